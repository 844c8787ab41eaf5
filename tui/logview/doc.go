// Package logview shows the tail of a job's output like `less +F`: it
// follows the end as new text comes until the user scrolls up or searches
// away from it, keeps its place when a newer tail starts later in the log,
// and searches with smart case (n/N jump between matches). Lines are
// cleaned once, when the text comes (progress bars keep their last state,
// escape sequences and control characters go); View only formats the
// lines it shows.
//
// Read is the command that reads a tail; its TextMsg names the log it is
// of, and a Model takes only its own.
package logview
