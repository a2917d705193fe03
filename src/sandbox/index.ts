/** The sandbox's public surface. */
export {
  analyzeSample,
  sandboxEvent,
  runnerFor,
  type BehaviourReport,
  type SandboxOptions,
} from './sandbox.js';
export { analyzeStatic, fileType, type StaticReport } from './static.js';
export { runDynamic, sandboxAvailable, SandboxUnavailable, type DynamicReport } from './dynamic.js';
export { labelSample, type BehaviourLabel } from './labels.js';
export { parseRules, matchRules, RuleSyntaxError, BUILTIN_RULES } from './rules.js';
export { parseElf } from './elf.js';
export { parseTrace } from './trace.js';
