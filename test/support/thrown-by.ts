/** The error a call throws, for asserting on its fields; fails the test when nothing is thrown. */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}
