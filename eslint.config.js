// Type-aware lint: no-floating-promises is on (an unhandled promise on a proxy path is an
// outage), and imports follow the dependency direction of DESIGN.md.
import tseslint from 'typescript-eslint';

/** Which src/ folders each folder may import from (DESIGN.md "Layout and dependency direction"). */
const allowed = {
  core: [],
  config: ['core'],
  store: ['core', 'config'],
  resources: ['core', 'plugin'],
  router: ['core'],
  balancer: ['core'],
  plugin: ['core'],
  plugins: ['core', 'plugin'],
  snapshot: ['core', 'resources', 'router', 'plugin', 'balancer', 'tls'],
  upstream: ['core', 'balancer'],
  proxy: ['core', 'plugin', 'snapshot', 'upstream'],
  tls: ['core'],
  stream: ['core', 'plugin', 'snapshot', 'upstream'],
  admin: ['core', 'config', 'store', 'resources', 'plugin'],
  control: ['core', 'snapshot', 'upstream'],
  cluster: ['core', 'config', 'plugin'],
};
const folders = [...Object.keys(allowed), 'gateway', 'cli'];

const directionRules = Object.entries(allowed).map(([folder, deps]) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: folders
          .filter((other) => other !== folder && !deps.includes(other))
          .map((other) => ({
            group: [`**/${other}/*`, `../${other}`, `../../${other}`],
            message: `src/${folder} may not import src/${other} (DESIGN.md dependency direction)`,
          })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bin/**', 'eslint.config.js', 'bench/out/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  ...directionRules,
);
