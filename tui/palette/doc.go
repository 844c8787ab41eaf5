// Package palette is the command palette (`:`): a prompt over a list of
// items, filtered fuzzily (github.com/sahilm/fuzzy) as the query is typed;
// enter chooses the item under the cursor. The palette knows nothing of
// what its items are: each carries a value of the caller's type, given
// back in a ChosenMsg.
package palette
