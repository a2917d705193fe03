/** The public surface of detect/: other folders import only this file. */
export { RuleInspector } from './inspector.js';
export { IpReputation } from './iprep.js';
export { RuleMatcher, type RuleMatch } from './rule-matcher.js';
export { type Rule } from './rule.js';
export { signatureOf } from './signature.js';
export { formatRuleError, loadRuleFile, parseRules, type RuleLoadError } from './ruleset.js';
export {
  applyThresholdConfig,
  formatThresholdError,
  loadThresholdFile,
  parseThresholdConfig,
  type ThresholdConfig,
} from './threshold-config.js';
