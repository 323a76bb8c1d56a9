# Plain targets; each is one shell command you can also run by hand.

test:
    go test ./...

lint:
    test -z "$(gofmt -l .)" || (gofmt -l . && exit 1)
    go vet ./...

run:
    go run ./cmd/ozgform serve

check:
    go run ./cmd/ozgform check examples

golden:
    go test ./... -run Golden -update

fuzz:
    go test ./forms -run '^$' -fuzz FuzzValidName -fuzztime 30s
    go test ./forms -run '^$' -fuzz FuzzValidLatin -fuzztime 30s
    go test ./forms -run '^$' -fuzz FuzzCheck -fuzztime 30s
    go test ./engine -run '^$' -fuzz FuzzValidate -fuzztime 30s
    go test ./engine -run '^$' -fuzz FuzzSanitizeFilename -fuzztime 30s
    go test ./renderer -run '^$' -fuzz FuzzRenderEscapes -fuzztime 30s

bench:
    go test ./... -run '^$' -bench . -benchmem
