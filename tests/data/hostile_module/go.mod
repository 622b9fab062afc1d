module hostile

go 1.21
