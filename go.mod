module github.com/softdfu/softdfu

go 1.26
