/**
 * A script that Cloudinary would refuse: too long, a syntax error, an exception, a time-out, too much
 * memory, too deep a recursion, a forbidden option, a result of the wrong shape. The message is the
 * client's (the `{"error":{"message":…}}` of a 400); the texts are guesses (wave-2 reference §6.1).
 */
export class ScriptError extends Error {
  /** The HTTP status a caller answers with when the script runs inside a request (eval). */
  readonly status = 400;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ScriptError';
  }
}
