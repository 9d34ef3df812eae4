// npm run bench -- importer [sizeMiB=100]
// npm run bench -- ingester [msisdns=24] [stepHours=1] [partitions=6]
// (the full benchmark suite with ceilings and latency is issue 8)
import { importerBench } from './importer-bench';
import { ingesterBench } from './ingester-bench';

const [which = 'importer', ...args] = process.argv.slice(2);
const num = (i: number, d: number) => (args[i] !== undefined ? Number(args[i]) : d);
if (which === 'importer') {
  console.log(JSON.stringify(await importerBench(num(0, 100))));
  process.exit(0);
} else if (which === 'ingester') {
  console.log(JSON.stringify(await ingesterBench(num(0, 24), num(1, 1), num(2, 6))));
  process.exit(0);
} else {
  console.error(`unknown benchmark ${which}; available: importer, ingester`);
  process.exit(2);
}
