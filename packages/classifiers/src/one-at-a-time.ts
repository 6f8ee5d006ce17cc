let tail: Promise<unknown> = Promise.resolve();

/**
 * Runs `work` after every earlier call's work has settled. TensorFlow.js keeps one engine per process
 * and computes on the main thread, so running inferences side by side gains nothing and holds several
 * inputs' tensors in memory at once; in turn, memory stays at one inference's worth.
 */
export function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  // work follows a failure as it follows a success: a failed inference rejects its own caller only
  const run = tail.then(work, work);
  tail = run;
  return run;
}
