// Package table draws a table of rows of any type for the terminal:
// columns with widths and alignment, a header that marks the column the
// rows are sorted by, a cursor row, marked rows, and scrolling that keeps
// the cursor in view. Cells are drawn from the rows when they show, so a
// table of thousands of rows costs a screenful a frame. Its KeyMap moves
// the cursor and marks rows; sorting and what rows mean are the caller's.
//
// Align writes a cell; the comparison's tables, which are laid out to fit
// a column a run rather than scrolled, use it too.
package table
