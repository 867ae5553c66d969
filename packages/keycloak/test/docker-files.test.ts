import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_REALM_FILE, OFFICIAL_IMAGE } from '../src/index.js';

// The compose file cannot run here (no registry), so its shape is checked instead.
const repo = new URL('../../../', import.meta.url);
const compose = parse(readFileSync(new URL('docker/docker-compose.keycloak.yml', repo), 'utf8'));
const realm = JSON.parse(readFileSync(DEFAULT_REALM_FILE, 'utf8'));

describe('docker/docker-compose.keycloak.yml', () => {
  const service = compose.services.keycloak;

  it('runs the official image with the realm imported, health on, on port 8080', () => {
    expect(service.image).toBe(OFFICIAL_IMAGE);
    expect(service.command).toEqual(expect.arrayContaining(['start-dev', '--import-realm']));
    expect(service.environment.KC_HEALTH_ENABLED).toBe('true');
    expect(service.environment.KC_HOSTNAME).toBe('http://localhost:8080');
    expect(service.ports).toContain('127.0.0.1:8080:8080');
    expect(service.volumes).toContain(
      './keycloak/realm-mcp.json:/opt/keycloak/data/import/realm-mcp.json:ro',
    );
    expect(service.healthcheck.test.join(' ')).toContain('/health/ready');
  });
});

describe('docker/keycloak/realm-mcp.json', () => {
  const scope = (name: string) => realm.clientScopes.find((s: { name: string }) => s.name === name);

  it('keeps the built-in basic scope with its sub mapper (a realm with clientScopes gets no built-ins)', () => {
    const mappers = scope('basic').protocolMappers.map((m: { protocolMapper: string }) => m.protocolMapper);
    expect(mappers).toContain('oidc-sub-mapper');
    expect(realm.defaultDefaultClientScopes).toEqual(expect.arrayContaining(['basic', 'profile', 'email']));
  });

  it('gives the mcp scopes an audience mapper on the configurable MCP URL', () => {
    for (const name of ['mcp:tools', 'mcp:admin']) {
      const audience = scope(name).protocolMappers.find(
        (m: { config: Record<string, string> }) => m.config['included.custom.audience'],
      );
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Keycloak's import placeholder, not a JS template
      const placeholder = '${MCP_RESOURCE_URL:http://localhost:9090/mcp}';
      expect(audience.config['included.custom.audience']).toBe(placeholder);
      expect(scope(name).attributes['display.on.consent.screen']).toBe('true');
    }
  });

  it('lets users log in without a profile-update page', () => {
    for (const user of realm.users) {
      expect(user).toMatchObject({ emailVerified: true, requiredActions: [] });
      expect(user.email && user.firstName && user.lastName).toBeTruthy();
    }
  });
});
