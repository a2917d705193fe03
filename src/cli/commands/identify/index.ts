/**
 * `moat identify serve | check | train | eval | model … | key …` — the Spec B service and its lifecycle, one
 * file per subcommand (group). Exit codes: 0 ok; 1 a finding (check: verdict black; train: model refused by
 * the gates); 2 usage, input or operational errors.
 */
import type { Command } from 'commander';
import type { RegisterCommand } from '../index.js';
import { registerServe } from './serve.js';
import { registerCheck } from './check.js';
import { registerEval } from './eval.js';
import { registerTrain } from './train.js';
import { registerModel } from './model.js';
import { registerKey } from './key.js';

export const registerIdentify: RegisterCommand = (program: Command, setExit) => {
  const id = program
    .command('identify')
    .description('black-market (abuse infrastructure) identification service (Spec B)');
  registerServe(id, setExit);
  registerCheck(id, setExit);
  registerEval(id);
  registerTrain(id, setExit);
  registerModel(id);
  registerKey(id);
};
