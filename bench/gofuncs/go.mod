module escapebench/gofuncs

go 1.21
