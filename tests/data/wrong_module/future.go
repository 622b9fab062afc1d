//go:build go1.999

package wrong

// notBuilt is excluded by its build constraint, so its (wrong) annotation
// must never be checked.
func notBuilt() int {
	q := 6 // escape:heap
	return q
}
