// Package sched decides which queued jobs start now and on which GPUs. It
// is pure: the engine gives it the queue, the GPUs as last sampled and who
// holds them, and it answers with placements and, for every job that waits,
// why. That keeps every rule a table test away.
//
// The rules:
//   - The queue is served by priority, then age.
//   - A GPU is free for a new job when no lathe lease holds it, it is not
//     lost, the configured allow-list has it, and foreign use is small: the
//     memory others use stays at or under a fraction of it and its
//     utilisation at or under a limit over the last samples, so someone
//     else's notebook is respected.
//   - Head-of-queue protection: a job that needs GPUs and has waited longer
//     than the protection time reserves the free GPUs it needs, so a stream
//     of smaller jobs cannot starve it forever.
//   - A request that can never be met (more GPUs than the machine allows,
//     more memory than any device has, GPU ids that do not exist) is refused
//     at submit by Check.
package sched
