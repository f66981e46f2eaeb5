// Package archtest holds tests of the repository's own rules: every
// package documents itself, and the leaf packages import only the
// standard library, so the architecture the folder tree shows stays true.
package archtest
