module escapebench/diagprog

go 1.21
