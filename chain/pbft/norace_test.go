//go:build !race

package pbft_test

const raceBuild = false
