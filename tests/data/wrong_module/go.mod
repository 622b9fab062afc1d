module escapebench/wrongmodule

go 1.21
