// npm run bench -- importer [sizeMiB]   (more benchmarks: issue 8)
import { importerBench } from './importer-bench';

const [which = 'importer', arg] = process.argv.slice(2);
if (which === 'importer') {
  const result = await importerBench(Number(arg ?? 100));
  console.log(JSON.stringify(result));
  process.exit(0);
} else {
  console.error(`unknown benchmark ${which}; available: importer`);
  process.exit(2);
}
