module escapebench/sec4

go 1.21
