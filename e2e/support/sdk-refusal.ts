/** What the official SDK rejected a call with: its `error` ({http_code, message}), or the error itself. Fails when the call succeeded. */
export async function sdkRefusal(promise: Promise<unknown>): Promise<{ http_code?: number; message?: string }> {
  try {
    await promise;
  } catch (error) {
    return (error as { error?: { http_code?: number; message?: string } }).error ?? (error as { http_code?: number; message?: string });
  }
  throw new Error('expected the SDK call to be refused');
}
