// An encoder worker thread (started by LineEncoderPool): parses and encodes the batches
// of lines it is sent, one at a time, and answers each with its messages or its error.
import { parentPort } from 'node:worker_threads';
import { answerTask, type EncodeTask } from './line-encoding';

const port = parentPort;
if (!port) throw new Error('line-encoder-worker.ts runs only as a worker thread (LineEncoderPool starts it)');
port.on('message', (task: EncodeTask) => port.postMessage(answerTask(task)));
