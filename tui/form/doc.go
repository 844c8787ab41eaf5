// Package form is a form of labelled text inputs (bubbles' textinput): a
// hint under the focused field, an error line, and a check per field run
// on submit. It knows nothing of what it fills: a right form gives its
// values, a field each, in a SubmitMsg, and the caller makes of them what
// it needs (the app's job form makes a submit request of them).
package form
