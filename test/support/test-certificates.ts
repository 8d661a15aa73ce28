import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  /** The CA that signed the server certificate (what a client must trust). */
  caFile: string;
  certFile: string;
  keyFile: string;
}

/**
 * A private CA and a server certificate it signed for 127.0.0.1 and localhost, made with the machine's
 * `openssl` in `directory`: what a managed Redis with its own CA looks like to a client.
 */
export async function makeTestCertificates(directory: string): Promise<TestCertificates> {
  const caKey = join(directory, 'ca.key');
  const caFile = join(directory, 'ca.crt');
  const keyFile = join(directory, 'server.key');
  const request = join(directory, 'server.csr');
  const certFile = join(directory, 'server.crt');
  const extensions = join(directory, 'server.ext');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', '/CN=gateway test CA']);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', request, '-subj', '/CN=127.0.0.1']);
  await writeFile(extensions, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n');
  await run('openssl', ['x509', '-req', '-in', request, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', extensions]);
  return { caFile, certFile, keyFile };
}
