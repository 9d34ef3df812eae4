// services/Dockerfile, checked offline (no Docker engine here): dockerfile-utils' linter
// (the one behind VS Code's Docker language server), the README's Dockerfile checklist,
// and that what the image needs is really sent and copied. Each check is also run on a
// broken copy to show that it can fail.
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import ignore from '@balena/dockerignore';
import { Cmd, Copy, DockerfileParser, Entrypoint, From, Healthcheck, type Dockerfile, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { SERVICES, readRepoFile, repoRoot } from './deploy-files';

const DOCKERFILE = 'services/Dockerfile';
const dockerfileText = readRepoFile(DOCKERFILE);

interface Stage {
  name: string | null;
  from: From;
  instructions: Instruction[];
}

/** The build stages in order, each with its FROM and the instructions after it. */
function stagesOf(df: Dockerfile): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of df.getInstructions()) {
    if (instruction instanceof From) stages.push({ name: instruction.getBuildStage(), from: instruction, instructions: [] });
    else stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

/** `${NAME}` / `$NAME` replaced by the build args given, else the ARG defaults before the first FROM. */
function expand(text: string, df: Dockerfile, buildArgs: Record<string, string> = {}): string {
  const defaults: Record<string, string> = {};
  for (const arg of df.getInitialARGs()) {
    const property = arg.getProperty();
    if (property?.getValue() != null) defaults[property.getName()] = property.getValue()!;
  }
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
    const name = (braced ?? bare)!;
    return buildArgs[name] ?? defaults[name] ?? whole;
  });
}

const of = <T extends Instruction>(stage: Stage, type: new (...args: never[]) => T): T[] =>
  stage.instructions.filter((i): i is T => i instanceof type);
const keyword = (stage: Stage, name: string) => stage.instructions.filter((i) => i.getKeyword() === name);
const lineOf = (i: Instruction) => i.getRange().start.line + 1;
/** The argv of an exec-form (JSON array) CMD/ENTRYPOINT; null for the shell form, as Docker decides. */
function jsonArgs(i: Instruction): string[] | null {
  try {
    const value: unknown = JSON.parse(i.getArgumentsContent() ?? '');
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null;
  } catch {
    return null;
  }
}
/** A COPY's sources and destination (flags such as --from are not arguments). */
function copyPaths(copy: Copy): { sources: string[]; destination: string } {
  const args = copy.getArguments().map((a) => a.getValue());
  return { sources: args.slice(0, -1), destination: args.at(-1) ?? '' };
}

/**
 * The README's Dockerfile checklist; returns the problems found (empty: all good).
 * Written against any Dockerfile text so the tests below can show each item failing.
 */
function dockerfileChecklist(text: string): string[] {
  const problems: string[] = [];
  const df = DockerfileParser.parse(text);
  const stages = stagesOf(df);
  const final = stages.at(-1);
  if (!final) return ['no FROM'];
  const stageNames = new Set(stages.map((s) => s.name).filter((n): n is string => n !== null));

  // 1. Multi-stage: the runtime stage only copies results of the build stages.
  if (stages.length < 2) problems.push('not multi-stage: one FROM');
  if (!of(final, Copy).some((c) => c.getFromFlag())) problems.push('final stage copies nothing from an earlier stage (COPY --from)');

  // 2. Pinned base images: a stage name, an image digest, or an explicit tag other than latest.
  for (const stage of stages) {
    const image = expand(stage.from.getImage() ?? '', df);
    if (stageNames.has(image)) continue;
    const tagOrDigest = /@sha256:[0-9a-f]{64}$/.test(image) ? 'digest' : /:([\w][\w.-]*)$/.exec(image.split('/').at(-1) ?? '')?.[1];
    if (!tagOrDigest) problems.push(`line ${lineOf(stage.from)}: base image ${image} has no tag`);
    else if (tagOrDigest === 'latest') problems.push(`line ${lineOf(stage.from)}: base image ${image} uses latest`);
  }

  // 3. Non-root: the final stage switches to an unprivileged user.
  const user = keyword(final, 'USER').at(-1)?.getArgumentsContent()?.split(':')[0];
  if (!user) problems.push('final stage has no USER: it would run as root');
  else if (user === 'root' || user === '0') problems.push(`final stage runs as ${user}`);

  // 4. Production dependencies with npm ci --omit=dev, copied from their stage; never npm install.
  const runs = stages.flatMap((s) => keyword(s, 'RUN').map((r) => ({ stage: s, command: r.getArgumentsContent() ?? '' })));
  for (const run of runs) {
    if (/\bnpm\s+(install|i|add)\b/.test(run.command)) problems.push(`npm install in stage ${run.stage.name}: use npm ci (the lockfile)`);
  }
  const nodeModulesCopy = of(final, Copy).find((c) => c.getFromFlag() && copyPaths(c).destination.replace(/\/$/, '').endsWith('node_modules'));
  const depsStage = nodeModulesCopy ? nodeModulesCopy.getFromFlag()?.getValue() : undefined;
  const depsInstall = runs.find((r) => r.stage.name === depsStage && /\bnpm\s+ci\b/.test(r.command));
  if (!depsInstall) problems.push('final node_modules do not come from a stage running npm ci');
  else if (!/--omit[= ]dev\b/.test(depsInstall.command)) problems.push(`npm ci in stage ${depsStage} installs devDependencies (add --omit=dev)`);

  // 5. A HEALTHCHECK that runs something.
  const healthcheck = of(final, Healthcheck).at(-1);
  if (!healthcheck) problems.push('final stage has no HEALTHCHECK');
  else if (healthcheck.getSubcommand()?.getValue().toUpperCase() !== 'CMD') problems.push('HEALTHCHECK is NONE');

  // 6. Signals reach node: CMD (and ENTRYPOINT) in exec form, node itself or `sh -c "exec ..."`.
  const entrypoint = of(final, Entrypoint).at(-1);
  if (entrypoint && !jsonArgs(entrypoint)) problems.push('ENTRYPOINT in shell form: SIGTERM would go to /bin/sh');
  const cmd = of(final, Cmd).at(-1);
  const argv = cmd ? jsonArgs(cmd) : null;
  if (!cmd) problems.push('final stage has no CMD');
  else if (!argv) problems.push(`line ${lineOf(cmd)}: CMD in shell form: SIGTERM would go to /bin/sh, not node`);
  else if (!entrypoint) {
    const viaShell = argv[0] !== undefined && /(^|\/)sh$/.test(argv[0]) && argv[1] === '-c';
    if (viaShell ? !/^exec\s+node\b/.test(argv[2] ?? '') : argv[0] !== 'node') {
      problems.push(`CMD ${JSON.stringify(argv)} does not make node PID 1 (node first, or sh -c "exec node ...")`);
    }
  }

  // 7. Nothing fetched by ADD from the network, no secrets baked into the image.
  for (const stage of stages) {
    for (const add of keyword(stage, 'ADD')) {
      if (/(https?|git|ssh):\/\/|git@/.test(add.getArgumentsContent() ?? '')) problems.push(`line ${lineOf(add)}: ADD of a URL`);
    }
    for (const i of [...keyword(stage, 'ARG'), ...keyword(stage, 'ENV')]) {
      if (/(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i.test(i.getArgumentsContent() ?? '')) {
        problems.push(`line ${lineOf(i)}: ${i.getKeyword()} looks like a secret (use a build secret or the runtime environment)`);
      }
    }
    for (const copy of of(stage, Copy)) {
      for (const source of copyPaths(copy).sources) {
        if (/(^|\/)(\.npmrc|\.env[^/]*|id_[a-z0-9]+|[^/]*\.pem|[^/]*\.key)$/.test(source)) problems.push(`line ${lineOf(copy)}: COPY of ${source}, a secret`);
      }
    }
  }
  return problems;
}

type LockPackage = { dev?: boolean; dependencies?: Record<string, string> };
const lockPackages = (JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, LockPackage> }).packages;

/** The workspaces a service runs with: its own folder and, recursively, the @mobilecs/* workspaces it depends on. */
function workspacesOf(service: string): string[] {
  const folders = new Map(
    Object.entries(lockPackages)
      .filter(([path]) => /^(libs|services)\/[^/]+$/.test(path))
      .map(([path]) => [(JSON.parse(readRepoFile(`${path}/package.json`)) as { name: string }).name, path]),
  );
  const seen = new Set<string>();
  const visit = (folder: string) => {
    if (seen.has(folder)) return;
    seen.add(folder);
    for (const dep of Object.keys(lockPackages[folder]?.dependencies ?? {})) {
      const f = folders.get(dep);
      if (f) visit(f);
    }
  };
  visit(`services/${service}`);
  return [...seen];
}

/**
 * Production packages that npm installs inside a workspace folder (`<workspace>/node_modules/…`,
 * per the lockfile: a version it cannot hoist to the root) for this service, but that the
 * final stage does not copy from the npm ci stage; empty when the image has them all.
 */
function nestedPackagesNotCopied(text: string, service: string): string[] {
  const df = DockerfileParser.parse(text);
  const final = stagesOf(df).at(-1)!;
  const copied = of(final, Copy)
    .filter((c) => c.getFromFlag())
    .flatMap((c) => copyPaths(c).sources.map((source) => expand(source, df, { SERVICE: service }).replace(/\/$/, '')));
  return workspacesOf(service)
    .filter((workspace) => !copied.includes(`/app/${workspace}/node_modules`))
    .flatMap((workspace) => Object.entries(lockPackages).filter(([path, entry]) => path.startsWith(`${workspace}/node_modules/`) && !entry.dev))
    .map(([path]) => path);
}

describe('services/Dockerfile', () => {
  const df = DockerfileParser.parse(dockerfileText);
  const stages = stagesOf(df);
  const final = stages.at(-1)!;

  it('passes dockerfile-utils validate() without any error or warning', () => {
    const diagnostics = validate(dockerfileText).map((d) => `line ${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`);
    expect(diagnostics).toEqual([]);
  });

  it('meets the README checklist', () => {
    expect(dockerfileChecklist(dockerfileText)).toEqual([]);
  });

  it('copies the manifest of every npm workspace before npm ci (which needs them all)', () => {
    const workspaces = (JSON.parse(readRepoFile('package.json')) as { workspaces: string[] }).workspaces;
    const manifests = stages.find((s) => s.name === 'manifests')!;
    const copied = of(manifests, Copy).flatMap((c) => copyPaths(c).sources);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', ...workspaces.map((w) => `${w}/package.json`)]));
  });

  it('copies tsx and every package tsx depends on (per the lockfile) from the full install', () => {
    type LockEntry = { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; os?: string[] };
    const lock = JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, LockEntry> };
    const closure = new Set<string>();
    const visit = (name: string) => {
      if (closure.has(name)) return;
      const entry = lock.packages[`node_modules/${name}`];
      // Optional packages of other systems (fsevents, @esbuild/darwin-*) are never installed in a Linux image.
      if (!entry || (entry.os && !entry.os.includes('linux'))) return;
      closure.add(name);
      for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) visit(dep);
    };
    visit('tsx');
    expect(closure.size).toBeGreaterThan(1);
    const fromTools = of(final, Copy)
      .filter((c) => c.getFromFlag()?.getValue() === 'tools')
      .flatMap((c) => copyPaths(c).sources.map((s) => s.replace(/^\/app\/node_modules\//, '').replace(/\/$/, '')));
    const missing = [...closure].filter((name) => !fromTools.some((copied) => name === copied || name.startsWith(`${copied}/`)));
    expect(missing).toEqual([]);
  });

  for (const service of SERVICES) {
    it(`gives ${service} the packages npm installs in its workspaces' own node_modules (not hoisted to the root)`, () => {
      expect(nestedPackagesNotCopied(dockerfileText, service)).toEqual([]);
    });
  }

  it('a package that npm could not hoist exists (generator-backend\'s graphql 17 beside ruru\'s 16), so the check above checks something', () => {
    expect(lockPackages['services/generator-backend/node_modules/graphql']?.dev).toBeFalsy();
  });

  for (const service of SERVICES) {
    it(`builds ${service}: what it copies is in the build context (.dockerignore) and CMD's script exists`, () => {
      const dockerignore = ignore().add(readRepoFile('.dockerignore'));
      const buildArgs = { SERVICE: service, PORT: '8080' };
      const fromContext = stages.flatMap((s) => of(s, Copy).filter((c) => !c.getFromFlag()).flatMap((c) => copyPaths(c).sources));
      for (const source of fromContext.map((s) => expand(s, df, buildArgs).replace(/\/$/, ''))) {
        expect(existsSync(join(repoRoot, source)), `${source} exists`).toBe(true);
        expect(dockerignore.ignores(source), `${source} is not excluded by .dockerignore`).toBe(false);
      }
      const workdir = expand(final.instructions.filter((i) => i.getKeyword() === 'WORKDIR').at(-1)!.getArgumentsContent()!, df, buildArgs);
      const script = jsonArgs(of(final, Cmd).at(-1)!)!.at(-1)!;
      const inImage = posix.join(workdir, script); // /app/services/<service>/src/main.ts
      expect(inImage).toBe(`/app/services/${service}/src/main.ts`);
      const inRepo = inImage.replace(/^\/app\//, '');
      expect(existsSync(join(repoRoot, inRepo))).toBe(true);
      expect(dockerignore.ignores(inRepo)).toBe(false);
      // Tests and fixtures stay out of the image.
      expect(dockerignore.ignores(`services/${service}/src/config.test.ts`)).toBe(true);
    });
  }

  it('refuses to build without SERVICE or PORT instead of guessing', () => {
    const runs = stages.flatMap((s) => keyword(s, 'RUN').map((r) => r.getArgumentsContent() ?? ''));
    expect(runs.some((r) => r.includes('test -n "${SERVICE}"'))).toBe(true);
    expect(runs.some((r) => r.includes('test -n "${PORT}"'))).toBe(true);
  });
});

describe('the Dockerfile checklist finds what it is meant to find', () => {
  const broken = (from: string, to: string) => {
    expect(dockerfileText).toContain(from);
    return dockerfileChecklist(dockerfileText.replace(from, to));
  };

  it('a root user', () => {
    expect(broken('USER 1000:1000', 'USER root')).toEqual(['final stage runs as root']);
    expect(broken('USER 1000:1000\n', '')).toEqual(['final stage has no USER: it would run as root']);
  });
  it('a latest or untagged base image', () => {
    expect(broken('NODE_IMAGE=node:24-bookworm-slim', 'NODE_IMAGE=node:latest')).toEqual([
      expect.stringContaining('node:latest uses latest'),
      expect.stringContaining('node:latest uses latest'),
    ]);
    expect(broken('NODE_IMAGE=node:24-bookworm-slim', 'NODE_IMAGE=node')).toHaveLength(2);
  });
  it('devDependencies in the runtime, or npm install', () => {
    expect(broken('RUN npm ci --omit=dev --workspace', 'RUN npm ci --workspace')).toEqual([expect.stringContaining('add --omit=dev')]);
    expect(broken('RUN npm ci --ignore-scripts --no-audit --no-fund', 'RUN npm install')).toEqual([expect.stringContaining('use npm ci')]);
  });
  it('a missing HEALTHCHECK', () => {
    const text = dockerfileText.replace(/^HEALTHCHECK[^\n]*\\\n[^\n]*\n/m, '');
    expect(text).not.toContain('HEALTHCHECK');
    expect(dockerfileChecklist(text)).toEqual(['final stage has no HEALTHCHECK']);
  });
  it('a CMD that keeps node from receiving SIGTERM', () => {
    const cmd = 'CMD ["node", "--import", "tsx", "src/main.ts"]';
    expect(broken(cmd, 'CMD node --import tsx src/main.ts')).toEqual([expect.stringContaining('shell form')]);
    expect(broken(cmd, 'CMD ["npx", "tsx", "src/main.ts"]')).toEqual([expect.stringContaining('does not make node PID 1')]);
    expect(broken(cmd, 'CMD ["sh", "-c", "node --import tsx src/main.ts"]')).toEqual([expect.stringContaining('does not make node PID 1')]);
    expect(broken(cmd, 'CMD ["sh", "-c", "exec node --import tsx src/main.ts"]')).toEqual([]);
  });
  it('a single stage', () => {
    const single = 'FROM node:24-bookworm-slim\nRUN npm ci --omit=dev\nUSER node\nHEALTHCHECK CMD ["true"]\nCMD ["node", "main.js"]\n';
    expect(dockerfileChecklist(single)).toEqual(
      expect.arrayContaining(['not multi-stage: one FROM', 'final stage copies nothing from an earlier stage (COPY --from)']),
    );
  });
  it('ADD of a URL and secrets', () => {
    expect(broken('WORKDIR /app\nCOPY --from', 'WORKDIR /app\nADD https://example.org/x.tgz /x\nENV NPM_TOKEN=abc\nCOPY .npmrc ./\nCOPY --from')).toEqual([
      expect.stringContaining('ADD of a URL'),
      expect.stringContaining('ENV looks like a secret'),
      expect.stringContaining('COPY of .npmrc'),
    ]);
  });
  it('a workspace node_modules left out of the image', () => {
    const line = 'COPY --from=prod-deps /app/services/${SERVICE}/node_modules ./services/${SERVICE}/node_modules\n';
    expect(dockerfileText).toContain(line);
    expect(nestedPackagesNotCopied(dockerfileText.replace(line, ''), 'generator-backend')).toEqual(['services/generator-backend/node_modules/graphql']);
  });
  it('dockerfile-utils flags a broken instruction', () => {
    expect(validate(dockerfileText.replace('EXPOSE ${PORT}', 'EXPOSE http')).map((d) => d.message)).toEqual(['Invalid containerPort: http']);
  });
});
