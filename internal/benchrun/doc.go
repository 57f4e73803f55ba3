// Package benchrun is how Chainplay measures on a shared machine: every
// figure it prints is a median over several samples with its min–max,
// and every comparison is made pair by pair, the baseline and the
// candidate run in alternation so that load from other work on the
// machine falls on both alike.
//
// # Method
//
// Interleave runs a warm-up of each side, then at least MinPairs pairs
// A B A B …; the ratio B/A is computed within each pair, and a Figure
// gives the median ratio with its min and max. Absolute figures (MH/s,
// milliseconds, KB) are medians too, and are marked as true of this
// machine only (Figure.Machine). A Target is checked on the median, never
// on one sample, and a missed target is reported, not an error: a
// benchmark never fails a test run.
//
// # Reports
//
// Each benchmark writes its figures as a fragment into a run's folder
// (WriteFragment, from the folder named by the CHAINPLAY_BENCH_DIR
// environment variable); Collect merges them into one Report, written as
// report.md (a Markdown table) and report.json beside them. Compare
// lines up two reports figure by figure: old and new medians, the change,
// and whether their min–max ranges overlap (when they do, the change is
// within the noise of the two runs).
//
// # Errors
//
// Interleave returns the first error of a run, naming the side and the
// pair. Load and Collect return errors wrapping fs and json errors.
//
// # Concurrency
//
// Nothing here is safe for concurrent use; a benchmark runs its pairs one
// after the other on purpose.
package benchrun
