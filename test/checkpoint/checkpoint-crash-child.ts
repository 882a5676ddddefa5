/**
 * Child process of the checkpoint-store crash test: saves the checkpoints of steps FIRST, FIRST+1, … into DIR
 * without end, printing `saved N` after each, until the test SIGKILLs it. Usage: checkpoint-crash-child DIR FIRST ROWS
 */
import { CheckpointStore } from '../../src/checkpoint';
import { inputFor } from './checkpoint-fixtures';

async function main(): Promise<void> {
  const [dir, first, rows] = process.argv.slice(2);
  const store = new CheckpointStore(dir, { keep: 2 });
  for (let step = Number(first); ; step++) {
    await store.save(inputFor(step, Number(rows)));
    process.stdout.write(`saved ${step}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
