import { describe, expect, it } from 'vitest';
import { GroupCommitter } from './group-commit.ts';

describe('GroupCommitter', () => {
  it('writes items added together in one write (up to the batch size), where added one by one the first goes alone', async () => {
    const writes: number[][] = [];
    const committer = new GroupCommitter<number>(
      async (items) => {
        writes.push(items);
      },
      { maxBatchSize: 4, maxInFlight: 1 },
    );
    await committer.addMany([1, 2, 3, 4, 5, 6]);
    expect(writes).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
    writes.length = 0;
    await Promise.all([7, 8, 9].map((item) => committer.add(item)));
    expect(writes).toEqual([[7], [8, 9]]);
  });

  it('rejects every item of a failed write, and resolves at once for nothing', async () => {
    const committer = new GroupCommitter<number>(
      async () => {
        throw new Error('down');
      },
      { maxBatchSize: 10, maxInFlight: 1 },
    );
    await expect(committer.addMany([1, 2])).rejects.toThrow('down');
    await expect(committer.addMany([])).resolves.toBeUndefined();
  });
});
