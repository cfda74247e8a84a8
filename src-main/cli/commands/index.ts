// The list of `kps` commands: add a command by writing commands/<name>.ts and adding one line here.
import type { CliCommand } from '../context.js';
import { newCommand } from './new.js';
import { importCommand } from './import.js';
import { statsCommand } from './stats.js';
import { exportCommand } from './export.js';
import { serveCommand } from './serve.js';

export const commands: CliCommand[] = [newCommand, importCommand, statsCommand, exportCommand, serveCommand];
import { benchTrainCommand } from './bench-train.js'; commands.push(benchTrainCommand);
import { trainCommand } from './train.js'; commands.push(trainCommand);
import { qcCommand } from './qc.js'; commands.push(qcCommand);
