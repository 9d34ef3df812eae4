// A faulty encoder worker for the tests: the real one, except that a batch holding the
// line `workerData.failOnLine` makes it fail the way `workerData.how` says.
import { parentPort, workerData } from 'node:worker_threads';
import { answerTask, unpackLines, type EncodeTask, type PackedLines } from './line-encoding';

const port = parentPort!;
const { failOnLine, how } = (workerData ?? {}) as { failOnLine?: number; how?: 'throw' | 'crash' | 'exit' | 'hang' };

port.on('message', (task: EncodeTask) => {
  const hit = failOnLine !== undefined && unpackLines(task.packed).some((l) => l.line === failOnLine);
  if (!hit) return port.postMessage(answerTask(task));
  if (how === 'throw') return port.postMessage(answerTask({ ...task, packed: null as unknown as PackedLines }));
  if (how === 'crash')
    return setImmediate(() => {
      throw new Error(`fixture worker crashes on line ${failOnLine}`);
    });
  if (how === 'exit') process.exit(3);
  // 'hang': no answer.
});
