/**
 * docker-compose.yml and the HA profile's nginx config, checked without Docker (CI has none):
 * every dependency and volume names something defined, profiles never depend across, every
 * password is required, and the load balancer routes to exactly the HA admins. Where the
 * `docker compose` CLI exists, `docker compose config` must accept the file for every profile.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { load, YAML11_SCHEMA } from 'js-yaml';

interface Service {
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  environment?: Record<string, string>;
  image?: string;
  build?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const text = readFileSync('docker-compose.yml', 'utf8');
// YAML 1.1, as compose reads it: `<<: *anchor` merges.
const compose = load(text, { schema: YAML11_SCHEMA }) as Compose;
const services = compose.services;
/** True when `name` runs under `profile` (`example` is an add-on to `single`). */
const inProfile = (name: string, profile: string): boolean => {
  const p = services[name]?.profiles;
  return p === undefined || p.includes(profile) || (profile === 'example' && inProfile(name, 'single'));
};

describe('docker-compose.yml: profiles single and ha', () => {
  it('every dependency and named volume exists; a profile depends only on services it starts', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const [dep, how] of Object.entries(svc.depends_on ?? {})) {
        expect(services, `${name} depends on ${dep}`).to.have.property(dep);
        expect(['service_healthy', 'service_completed_successfully', 'service_started']).to.include(how.condition);
        for (const profile of svc.profiles ?? []) expect(inProfile(dep, profile), `${name} (${profile}) needs ${dep}`).to.equal(true);
      }
      for (const v of svc.volumes ?? []) {
        const source = v.split(':')[0] ?? '';
        if (!source.startsWith('.') && !source.startsWith('/')) expect(compose.volumes, `${name}: volume ${source}`).to.have.property(source);
      }
    }
  });

  it('ha: six cluster nodes, an init that forms the cluster, two admins on the cluster behind nginx', () => {
    const ha = Object.keys(services).filter((n) => services[n]?.profiles?.includes('ha'));
    expect(ha.filter((n) => /^redis-c\d$/.test(n))).to.have.length(6);
    const admins = ha.filter((n) => services[n]?.image === 'oasis-scheduler:local');
    expect(admins).to.deep.equal(['admin-1', 'admin-2']);
    for (const a of admins) {
      const env = services[a]?.environment ?? {};
      expect(env.OASIS_REDIS_CLUSTER_NODES).to.match(/^redis-c\d:6379(,redis-c\d:6379)+$/);
      expect(env).to.not.have.property('OASIS_REDIS_URL');
      expect(services[a]?.depends_on?.['redis-cluster-init']?.condition).to.equal('service_completed_successfully');
    }
    expect(text).to.include('--cluster-replicas 1');
    const upstreams = [...readFileSync('deploy/nginx-ha.conf', 'utf8').matchAll(/^\s*server (\S+):8080/gm)].map((m) => m[1]);
    expect(upstreams).to.deep.equal(admins);
  });

  it('single: one admin on one Redis; the single services stay out of ha', () => {
    expect(services.admin?.profiles).to.deep.equal(['single']);
    expect(services.redis?.profiles).to.deep.equal(['single']);
    expect(services.admin?.environment?.OASIS_REDIS_URL).to.equal('redis://redis:6379');
    expect(services.mysql?.profiles).to.equal(undefined);
    expect(readFileSync('.env.example', 'utf8')).to.match(/^COMPOSE_PROFILES=single$/m);
  });

  it('every password is required (no default)', () => {
    for (const v of ['MARIADB_ROOT_PASSWORD', 'MARIADB_PASSWORD', 'OASIS_ADMIN_PASSWORD']) {
      for (const m of text.matchAll(new RegExp(`\\$\\{${v}([^}]*)\\}`, 'g'))) expect(m[1], v).to.match(/^:\?/);
    }
  });

  it('docker compose config accepts every profile (where the CLI is installed)', function () {
    if (spawnSync('docker', ['compose', 'version']).status !== 0) this.skip();
    const env = { ...process.env, MARIADB_ROOT_PASSWORD: 'x', MARIADB_PASSWORD: 'x', OASIS_ADMIN_PASSWORD: 'xxxxxxxx' };
    for (const profile of ['single', 'ha', 'single,example']) {
      // Required variables are checked by `config` too: every one is set above.
      const r = spawnSync('docker', ['compose', 'config', '-q'], { env: { ...env, COMPOSE_PROFILES: profile } });
      expect(r.status, `${profile}: ${String(r.stderr)}`).to.equal(0);
    }
  });
});
