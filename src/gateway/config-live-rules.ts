/** How the live-inspection, API and backup-access fields relate (after the schema accepted their form). */
import type { GatewayConfig } from './config-schema.js';
import type { ConfigIssue } from './config-rules.js';

export function liveIssues(config: GatewayConfig): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const both = (path: string, o: { key?: string; keyFile?: string } | undefined) => {
    if (o?.key !== undefined && o.keyFile !== undefined)
      out.push({ path, message: 'give key or keyFile, not both' });
  };
  both('api', config.api);
  if (config.api.port !== undefined && config.api.key === undefined && config.api.keyFile === undefined)
    out.push({
      path: 'api.port',
      message: 'a TCP listener needs api.key or api.keyFile (Bearer authentication)',
    });
  const access = config.backup?.access;
  if (access) {
    both('backup.access', access);
    if (access.key === undefined && access.keyFile === undefined)
      out.push({
        path: 'backup.access',
        message: 'needs key or keyFile: the password the user logs in with',
      });
    if (config.backup!.protocol !== 'tcp')
      out.push({
        path: 'backup.protocol',
        message: 'backup.access serves HTTPS: the backup port must be tcp',
      });
    if (config.api.port === config.backup!.port)
      out.push({ path: 'api.port', message: `${config.api.port} is the backup port` });
  }
  return out;
}
