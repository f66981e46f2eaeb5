// Package archtest holds tests of the repository's own rules: every
// package documents itself, the leaf packages import only the standard
// library, and imports follow the data (api -> delivery -> store, never
// back), so the architecture the folder tree shows stays true.
package archtest
