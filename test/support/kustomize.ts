import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** One Kubernetes object as YAML gives it. */
export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  [field: string]: unknown;
};

interface Kustomization {
  resources?: string[];
  namespace?: string;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  replicas?: Array<{ name: string; count: number }>;
}

/** Kinds that live in no namespace (of those the deploy folder could hold). */
const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

export function readManifests(path: string): Manifest[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}

export function readKustomization(directory: string): Kustomization {
  return readManifests(join(directory, 'kustomization.yaml'))[0] as unknown as Kustomization;
}

/** Every container spec of a workload (Deployment, Job: `spec.template.spec.containers`). */
export function containersOf(manifest: Manifest): Array<Record<string, unknown>> {
  const template = manifest.spec?.['template'] as { spec?: { containers?: Array<Record<string, unknown>> } } | undefined;
  return template?.spec?.containers ?? [];
}

/**
 * Renders a kustomization as `kubectl apply -k` would, for the fields this repository's
 * kustomizations use: `resources` (files and folders with their own kustomization, in order),
 * `namespace`, `images` (by the container image's name) and `replicas`. Anything else is refused, so a
 * kustomization that grows a field this does not know fails the tests instead of rendering wrong.
 */
export function renderKustomization(directory: string): Manifest[] {
  const kustomization = readKustomization(directory);
  const known = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'replicas']);
  const unknown = Object.keys(kustomization).filter((field) => !known.has(field));
  if (unknown.length > 0) throw new Error(`${directory}/kustomization.yaml: ${unknown.join(', ')} not rendered by this test's kustomize`);
  const manifests = (kustomization.resources ?? []).flatMap((resource) => {
    const path = join(directory, resource);
    return resource.endsWith('.yaml') ? readManifests(path) : renderKustomization(path);
  });
  for (const manifest of manifests) {
    if (kustomization.namespace && !clusterScoped.has(manifest.kind)) manifest.metadata.namespace = kustomization.namespace;
    for (const container of containersOf(manifest)) {
      // Matched by the image's name, without its tag or digest.
      const name = String(container['image'])
        .replace(/@.*$/, '')
        .replace(/:[^/:]*$/, '');
      const image = kustomization.images?.find((candidate) => candidate.name === name);
      if (image) container['image'] = `${image.newName ?? image.name}:${image.newTag ?? 'latest'}`;
    }
    const replicas = kustomization.replicas?.find((candidate) => candidate.name === manifest.metadata.name);
    if (replicas && manifest.spec) manifest.spec['replicas'] = replicas.count;
  }
  return manifests;
}
