// Package format writes what lathe shows people, the same way in the app
// and on the command line: numbers to a count of significant digits (never
// cut short), NaN and infinities spelled one way, durations, sizes in
// binary units, device lists, commands quoted so a shell or the app's form
// reads them back, and text cut, padded or laid out in lines to a width of
// terminal cells.
//
// JSON output is not its business: there lathe writes NaN and ±Inf as the
// metrics file does (engine/api's Float).
package format
