import type { LineSink } from './file-line-writer.ts';
import { FileProblem } from './file-problem.ts';
import { checkBatchInputLine } from './jsonl-line-schema.ts';
import { countBytes, isBlankLine, splitLines } from './jsonl-lines.ts';

export interface JsonlLimits {
  /** `files.maxBytes`. */
  maxBytes: number;
  /** `files.maxLines`. */
  maxLines: number;
  /** One line may be no larger than a sync request body (`server.bodyLimitBytes`). */
  maxLineBytes: number;
}

export interface IngestStats {
  bytes: number;
  lineCount: number;
}

/**
 * Reads a JSONL upload line by line into `sink`, checking every line as it goes; the first
 * problem stops the upload with a FileProblem naming its line. Blank lines at the end of the file
 * are ignored; a blank line followed by more lines is refused (OpenAI refuses them too, and a
 * silent skip would shift every later line number).
 */
export async function ingestJsonl(source: AsyncIterable<Uint8Array>, sink: LineSink, limits: JsonlLimits): Promise<IngestStats> {
  const stats: IngestStats = { bytes: 0, lineCount: 0 };
  let firstBlank: number | undefined;
  try {
    for await (const line of splitLines(countBytes(source, limits.maxBytes, stats), limits)) {
      if (isBlankLine(line.text)) {
        firstBlank ??= line.lineNumber;
        continue;
      }
      if (firstBlank !== undefined) {
        throw new FileProblem({ kind: 'invalid', lineNumber: firstBlank, reason: 'empty line (only trailing empty lines are allowed)' });
      }
      if (stats.lineCount >= limits.maxLines) {
        throw new FileProblem({ kind: 'too_large', lineNumber: line.lineNumber, reason: `the file has more than ${limits.maxLines} lines (files.maxLines)` });
      }
      const check = checkBatchInputLine(line.text);
      if (!check.ok) throw new FileProblem({ kind: 'invalid', lineNumber: line.lineNumber, reason: check.reason });
      stats.lineCount += 1;
      await sink.append({ lineNumber: line.lineNumber, customId: check.customId, content: line.text });
    }
  } catch (error) {
    // Lines still buffered come before this one: a duplicate among them is the first problem.
    if (error instanceof FileProblem) await sink.flush();
    throw error;
  }
  if (stats.lineCount === 0) throw new FileProblem({ kind: 'invalid', reason: 'the file has no lines; expected one JSON request per line' });
  await sink.flush();
  return stats;
}
