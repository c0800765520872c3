package engine

import (
	"reflect"
	"testing"
)

func TestRebaseRange(t *testing.T) {
	cases := []struct {
		name          string
		base, current string
		start, end    int
		want          [][2]int
	}{
		{"another edit after ours: nothing moves", "hello world", "hello world!!", 5, 5, [][2]int{{5, 5}}},
		{"another insert before ours: shift right", "hello world", "oh, hello world", 11, 11, [][2]int{{15, 15}}},
		{"another delete before ours: shift left", "hello world", "hello", 11, 11, [][2]int{{5, 5}}},
		{"both at one place: ours stays before", "ab", "aZb", 1, 1, [][2]int{{1, 1}}},
		{"inside a replaced region: after it", "abcdef", "abXYZef", 3, 3, [][2]int{{5, 5}}},
		{"surrogate pairs count two units", "😀b", "a😀b", 2, 2, [][2]int{{3, 3}}},
		{"a deletion over a replaced middle keeps it", "abcdef", "abXYef", 1, 5, [][2]int{{1, 2}, {4, 5}}},
		{"a deletion over a deleted middle", "abcdef", "abef", 1, 5, [][2]int{{1, 3}}},
	}
	for _, c := range cases {
		if got := rebaseRange(c.base, c.current, c.start, c.end); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: rebaseRange(%q→%q, %d, %d) = %v, want %v", c.name, c.base, c.current, c.start, c.end, got, c.want)
		}
	}
}
