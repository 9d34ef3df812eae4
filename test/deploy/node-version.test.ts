// One Node major everywhere: the image (services/Dockerfile's base image), what npm
// installs for the scripts (the `node` devDependency and the lockfile), what package.json
// promises (engines) and what these tests run on. Each check is also run on a broken
// copy to show that it can fail.
import { DockerfileParser, From } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { readRepoFile } from './deploy-files';

const DOCKERFILE = 'services/Dockerfile';

/**
 * The Node major of the node images a Dockerfile builds on (ARG defaults before the first
 * FROM expanded, stage names skipped). Throws unless there is at least one and all agree.
 */
function dockerfileNodeMajor(text: string): number {
  const df = DockerfileParser.parse(text);
  const defaults: Record<string, string> = {};
  for (const arg of df.getInitialARGs()) {
    const property = arg.getProperty();
    if (property?.getValue() != null) defaults[property.getName()] = property.getValue()!;
  }
  const expand = (s: string) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => defaults[(braced ?? bare)!] ?? whole);
  const stageNames = new Set<string>();
  const majors = new Set<number>();
  for (const instruction of df.getInstructions()) {
    if (!(instruction instanceof From)) continue;
    const image = expand(instruction.getImage() ?? '');
    const name = instruction.getBuildStage();
    if (!stageNames.has(image)) {
      // node:<tag>, docker.io/library/node:<tag>; the tag must start with the major.
      const m = /^(?:(?:docker\.io\/)?library\/)?node:(\d+)(?:[.-]|$)/.exec(image);
      if (!m) throw new Error(`FROM ${image}: not a node image with an explicit major`);
      majors.add(Number(m[1]));
    }
    if (name) stageNames.add(name);
  }
  if (majors.size !== 1) throw new Error(`${DOCKERFILE}: node majors ${[...majors].join(', ') || 'none'} (one expected)`);
  return [...majors][0]!;
}

/** The one major a version range allows at least and (but for `>=`) at most: `^24`, `~24.1`, `24.2.0`, `>=24`. */
function rangeMajor(range: string | undefined): number {
  const m = /^\s*(\^|~|>=)?\s*v?(\d+)(?:\.\d+){0,2}\s*$/.exec(range ?? '');
  if (!m) throw new Error(`node version range ${JSON.stringify(range)}: expected ^N, ~N.x, N.x.y or >=N`);
  return Number(m[2]);
}

interface PackageJson {
  engines?: { node?: string };
  devDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}
interface PackageLock {
  packages: Record<string, { version?: string }>;
}

/** What package.json and its lockfile say about Node: engines, the `node` devDependency and the version locked. */
function packageNodeMajors(pkgText: string, lockText: string): { engines: number; devDependency: number; locked: number } {
  const pkg = JSON.parse(pkgText) as PackageJson;
  const lock = JSON.parse(lockText) as PackageLock;
  return {
    engines: rangeMajor(pkg.engines?.node),
    devDependency: rangeMajor(pkg.devDependencies?.node),
    locked: rangeMajor(lock.packages['node_modules/node']?.version),
  };
}

const dockerfile = readRepoFile(DOCKERFILE);
const pkgText = readRepoFile('package.json');
const lockText = readRepoFile('package-lock.json');

describe('one Node major: image, scripts, engines and tests', () => {
  const imageMajor = dockerfileNodeMajor(dockerfile);

  it(`package.json's engines, its node devDependency and the lockfile give the Dockerfile's major (${imageMajor})`, () => {
    expect(packageNodeMajors(pkgText, lockText)).toEqual({ engines: imageMajor, devDependency: imageMajor, locked: imageMajor });
  });

  it('the tests run on that major (the node devDependency, first on the scripts\' PATH)', () => {
    expect(Number(process.versions.node.split('.')[0]), `tests run on ${process.execPath} ${process.version}`).toBe(imageMajor);
  });

  it("the node package's install script, which fetches the binary, is allowed (npm's allowScripts)", () => {
    expect((JSON.parse(pkgText) as PackageJson).allowScripts?.node).toBe(true);
  });

  it('fails on a Dockerfile with another major, two majors or an unpinned image', () => {
    expect(dockerfileNodeMajor('ARG NODE_IMAGE=node:22-bookworm-slim\nFROM ${NODE_IMAGE} AS a\nFROM a\n')).toBe(22);
    expect(() => dockerfileNodeMajor('FROM node:24-slim AS a\nFROM node:22-slim\n')).toThrow(/majors 24, 22/);
    expect(() => dockerfileNodeMajor('FROM node:lts-slim\n')).toThrow(/explicit major/);
    expect(() => dockerfileNodeMajor('FROM debian:bookworm\n')).toThrow(/not a node image/);
  });

  it('fails when engines, the devDependency or the lockfile name another major', () => {
    const pkg = (engines: string, dev: string) => JSON.stringify({ engines: { node: engines }, devDependencies: { node: dev } });
    const lock = (version: string) => JSON.stringify({ packages: { 'node_modules/node': { version } } });
    expect(packageNodeMajors(pkg('^24', '^24.21.0'), lock('24.21.0'))).toEqual({ engines: 24, devDependency: 24, locked: 24 });
    expect(packageNodeMajors(pkg('>=20.19.0', '^24.21.0'), lock('24.21.0')).engines).toBe(20);
    expect(packageNodeMajors(pkg('^24', '^22.1.0'), lock('22.1.0'))).toMatchObject({ devDependency: 22, locked: 22 });
    expect(() => packageNodeMajors(pkg('^24', '*'), lock('24.21.0'))).toThrow(/expected/);
    expect(() => packageNodeMajors(JSON.stringify({ engines: { node: '^24' } }), lock('24.21.0'))).toThrow(/undefined/);
  });
});
