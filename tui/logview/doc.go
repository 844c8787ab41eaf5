// Package logview pages through a job's output like less, however large:
// it holds a window of a few screens of lines, read from the engine by
// byte offset (Source) as the user scrolls, and follows the end like
// `less +F` until the user scrolls up or a search lands on a match. g goes
// to the first line, G follows the end again; the position is a share of
// the output's bytes (counting the lines of gigabytes would cost a read of
// all of it).
//
// Searches run in the engine over all the output, from the view in one
// direction, with smart case; their progress shows and esc stops them;
// n/N go on. w wraps long lines (cut, they scroll sideways with </>), M
// hides the lines read as metrics. Lines are cleaned once, when read
// (progress bars keep their last state, escape sequences and control
// characters go); View only formats the lines it shows.
//
// Every read is a command; its Msg names the log it is of, and a Model
// takes only its own.
package logview
