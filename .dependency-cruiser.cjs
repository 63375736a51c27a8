// The layering of DESIGN 7 as checked rules (npm run lint:layers). Arrows point
// down only; a floor is a folder, so a new file or subfolder (src/hooks/managers/)
// belongs to the floor of the folder it lands in. A new top-level folder or file
// under src/ belongs to no floor and fails `src-file-has-a-floor` until it is
// added to one below. Only src/ is layered; tests, benchmarks and scripts may import anything.
//
//   5 cli        src/cli/, and the entries src/bin.ts, src/index.ts
//   4 hooks      src/hooks/
//   3 use cases  src/usecases/
//   2 edges      src/git/ src/kms/ src/config/ src/fs/ src/cache/, src/version.ts (the package version)
//   1 base       src/core/, src/errors.ts, src/messages.ts, src/figures.ts (the glyphs)
// A new edge folder goes into `edgeFolders`; a new folder on another floor into its pattern.
const edgeFolders = 'git|kms|config|fs|cache';
const floor = {
  entries: '^src/(bin|index)\\.ts$',
  cli: '^src/cli/',
  hooks: '^src/hooks/',
  usecases: '^src/usecases/',
  edges: `^src/(${edgeFolders})/|^src/version\\.ts$`,
  base: '^src/core/|^src/(errors|messages|figures)\\.ts$',
};
const above = {
  cli: [floor.entries],
  hooks: [floor.entries, floor.cli],
  usecases: [floor.entries, floor.cli, floor.hooks],
  edges: [floor.entries, floor.cli, floor.hooks, floor.usecases],
  base: [floor.entries, floor.cli, floor.hooks, floor.usecases, floor.edges],
};
const upward = (name) => ({
  name: `no-upward-from-${name}`,
  comment: `${name} imports only from its own floor or below (DESIGN 7)`,
  severity: 'error',
  from: { path: floor[name] },
  to: { path: above[name] },
});
// npm packages by name, whether installed (resolved into node_modules/) or not.
const pkg = (names) => `^(node_modules/)?(${names})(/|$)`;
const awsSdk = pkg('@aws-sdk/[^/]+|@smithy/[^/]+');
// Ways to start a process or run git: only src/git may use them.
const processModules = `^(node:)?child_process$|${pkg('simple-git|execa|cross-spawn|zx|shelljs')}`;
// Ways to reach files, processes, threads or the network: the base floor gets bytes, not handles.
const ioModules =
  '^(node:)?(fs|fs/promises|child_process|worker_threads|cluster|net|http|https|http2|dgram|dns|dns/promises|tls|readline|os|process|vm|inspector)$' +
  `|${pkg('cosmiconfig|fast-glob|simple-git|execa')}|${awsSdk}`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...Object.keys(above).map(upward),
    {
      name: 'edges-not-sideways',
      comment: 'an edge imports the base floor only, not another edge (DESIGN 7): a use case wires edges together',
      severity: 'error',
      from: { path: `^src/(${edgeFolders})/` },
      to: { path: floor.edges, pathNot: '^src/$1/' },
    },
    {
      name: 'base-has-no-io',
      comment: 'src/core, errors.ts and messages.ts see no process, file, thread, network or SDK (DESIGN 7)',
      severity: 'error',
      from: { path: floor.base },
      to: { path: ioModules },
    },
    {
      name: 'only-git-runs-git',
      comment:
        "only src/git starts processes (git). Two named exceptions, neither runs git: src/cli/commands/demoSteps.ts runs this CLI itself (process.execPath); src/hooks/managers/runTool.ts runs a hook manager's own install (lefthook, simple-git-hooks, pre-commit)",
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/git/|^src/cli/commands/demoSteps\\.ts$|^src/hooks/managers/runTool\\.ts$' },
      to: { path: processModules },
    },
    {
      name: 'git-runner-stays-in-git',
      comment:
        "git's vocabulary lives in src/git (DESIGN 7): the runner and its engines are private to it; other floors call Repo's named verbs, never an argv",
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/git/' },
      to: { path: '^src/git/(exec|runners|directEngine|simpleGitEngine|gitResult|hashBlobs|hashBlobsWorker)\\.ts$' },
    },
    {
      name: 'only-kms-imports-the-aws-sdk',
      comment: 'only src/kms imports the AWS SDK (DESIGN 7)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/kms/' },
      to: { path: awsSdk },
    },
    {
      name: 'no-circular',
      comment: 'no two files import each other, directly or through others, types included (DESIGN 7)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    // Every file under src/ belongs to a floor: a new top-level folder or file is added to `floor` above.
    {
      name: 'src-file-has-a-floor',
      comment: 'a file under src/ that belongs to no floor: add its folder to `floor` in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: Object.values(floor) },
      to: {},
    },
    {
      name: 'src-file-has-a-floor-orphan',
      comment: 'a file under src/ that belongs to no floor: add its folder to `floor` in .dependency-cruiser.cjs',
      severity: 'error',
      from: { orphan: true, path: '^src/', pathNot: Object.values(floor) },
      to: {},
    },
    {
      name: 'no-import-of-a-file-without-floor',
      comment: 'imports a file under src/ that belongs to no floor: add its folder to `floor` in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: Object.values(floor) },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that resolves to nothing',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dependency',
      comment: 'src/ ships: it may not import devDependencies',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    // Type-only imports count: the cycle that was broken ran through a type.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
