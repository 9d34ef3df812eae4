// npm run bench                      the whole suite: one table, bench/results/latest.json
// npm run bench -- importer [sizeMiB=128]
// npm run bench -- ingester [msisdns=120] [stepHours=1] [partitions=6] [instances=1,2,3]
// npm run bench -- kafka | cassandra
// npm run bench -- latency [recordsPerSecond=1000] [seconds=30]
// npm run bench -- memory [agreements=100000] [baseline=1000]
// npm run bench -- restart [subscribers=100000] [rounds=2] [versions=3]
// npm run bench -- scale [subscribers=1000000] [partitions=6]
// npm run bench -- soak [minutes=10] [recordsPerSecond=auto] [share=0.7]   (writes bench/results/soak.json, docs/images/soak.svg)
// npm run bench -- soak-chart   (docs/images/soak.svg drawn again from bench/results/soak.json)
// npm run bench -- profile <file.cpuprofile> [top=25]
// npm run bench -- clients [rounds=3] [records=200000] [clients=kafkajs,confluent,platformatic]
// Single benchmarks print one JSON line. MOBILECS_BENCH_CPU_PROF=<dir> runs the services
// under `node --cpu-prof` (profiles written into <dir>).
import { cassandraCeilingBench } from './cassandra-ceiling';
import { importerBench } from './importer-bench';
import { ingesterBench } from './ingester-bench';
import { kafkaCeilingBench } from './kafka-ceiling';
import { defaultLatencyOptions, latencyBench } from './latency-bench';
import { memoryBench } from './memory-bench';
import { restartBench } from './restart-bench';
import { scaleBench } from './scale-bench';
import { defaultSoakOptions, redrawSoakChart, soakBench } from './soak-bench';
import { summariseProfile } from './profile-summary';
import { clientsBench } from './clients/index';
import { runSuite, saveResult } from './suite';

const [which, ...args] = process.argv.slice(2);
const num = (i: number, d: number) => (args[i] !== undefined ? Number(args[i]) : d);
const print = (x: unknown) => console.log(JSON.stringify(x));

switch (which) {
  case undefined:
    if (!(await runSuite())) process.exit(1);
    break;
  case 'importer':
    print(await importerBench(num(0, 128)));
    break;
  case 'ingester':
    print(await ingesterBench(num(0, 120), num(1, 1), num(2, 6), (args[3] ?? '1,2,3').split(',').map(Number)));
    break;
  case 'dedup':
    // Without copies, then with: the same subscribers, one instance each.
    print({
      withoutCopies: await ingesterBench(num(0, 120), 1, 6, [1]),
      withCopies: await ingesterBench(num(0, 120), 1, 6, [1], num(1, 10)),
    });
    break;
  case 'kafka':
    print(await kafkaCeilingBench());
    break;
  case 'cassandra':
    print(await cassandraCeilingBench());
    break;
  case 'latency':
    print(await latencyBench({ ...defaultLatencyOptions, recordsPerSecond: num(0, 1000), seconds: num(1, 30) }));
    break;
  case 'memory':
    print(await memoryBench(num(0, 100_000), num(1, 1000)));
    break;
  case 'restart':
    print(await restartBench(num(0, 100_000), num(1, 2), num(2, 3)));
    break;
  case 'scale':
    print(await saveResult('scale', await scaleBench(num(0, 1_000_000), num(1, 6))));
    break;
  case 'soak': {
    // The samples are in bench/results/soak.json; the line printed is the summary.
    const { samples: _samples, ...summary } = await soakBench({ ...defaultSoakOptions, minutes: num(0, 10), recordsPerSecond: args[1] && args[1] !== 'auto' ? Number(args[1]) : undefined, share: num(2, 0.7) });
    print(summary);
    break;
  }
  case 'soak-chart':
    console.log(`written ${await redrawSoakChart()}`);
    break;
  case 'profile':
    if (!args[0]) throw new Error('usage: npm run bench -- profile <file.cpuprofile> [top]');
    console.log(summariseProfile(args[0], num(1, 25)));
    break;
  case 'clients':
    print(await clientsBench(args));
    break;
  default:
    console.error(`unknown benchmark ${which}; available: (none = all), importer, ingester, dedup, kafka, cassandra, latency, memory, restart, scale, soak, soak-chart, profile, clients`);
    process.exit(2);
}
process.exit(0);
