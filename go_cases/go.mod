module escapebench/go_cases

go 1.21
