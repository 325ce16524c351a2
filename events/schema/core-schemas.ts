// Minimal schemas for the core kinds bgpcast reads (Node, Service, EndpointSlice, Secret): the
// types, enums and ranges of the fields it reads, as the API server's own validation has them.
// Every other field is let through — the API server checks far more of a core object (a Service's
// clusterIP against the service CIDR, say), which only a cluster can; bgpcast reads none of it.

import type { StructuralSchema } from './structural.ts';

const str: StructuralSchema = { type: 'string' };
const strings: StructuralSchema = { type: 'array', items: str };
const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } as const;
const port: StructuralSchema = { type: 'integer', minimum: 1, maximum: 65535 };
const protocol: StructuralSchema = { type: 'string', enum: ['TCP', 'UDP', 'SCTP'] };
const stringMap: StructuralSchema = { type: 'object', additionalProperties: str };
const root = (properties: Record<string, StructuralSchema>): StructuralSchema => ({
  type: 'object',
  properties: { apiVersion: str, kind: str, metadata: { type: 'object' }, ...properties },
});

export const CORE_SCHEMAS: Readonly<Record<string, StructuralSchema>> = {
  Node: root({
    spec: { ...open, properties: { podCIDR: str, podCIDRs: { type: 'array', items: str, maxItems: 2, 'x-kubernetes-list-type': 'set' } } },
    status: {
      ...open,
      properties: {
        addresses: {
          type: 'array',
          items: { type: 'object', required: ['type', 'address'], properties: { type: str, address: str } },
        },
      },
    },
  }),
  Service: root({
    spec: {
      ...open,
      properties: {
        type: { type: 'string', enum: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] },
        clusterIP: str,
        clusterIPs: { type: 'array', items: str, maxItems: 2 },
        externalIPs: strings,
        loadBalancerIP: str,
        loadBalancerClass: str,
        externalTrafficPolicy: { type: 'string', enum: ['Cluster', 'Local'] },
        internalTrafficPolicy: { type: 'string', enum: ['Cluster', 'Local'] },
        ipFamilies: { type: 'array', items: { type: 'string', enum: ['IPv4', 'IPv6'] }, maxItems: 2 },
        ipFamilyPolicy: { type: 'string', enum: ['SingleStack', 'PreferDualStack', 'RequireDualStack'] },
        selector: stringMap,
        ports: {
          type: 'array',
          items: {
            ...open,
            required: ['port'],
            properties: { name: str, port, protocol, targetPort: { 'x-kubernetes-int-or-string': true }, nodePort: { type: 'integer' } },
          },
        },
      },
    },
    status: {
      ...open,
      properties: {
        loadBalancer: {
          ...open,
          properties: { ingress: { type: 'array', items: { ...open, properties: { ip: str, hostname: str } } } },
        },
      },
    },
  }),
  EndpointSlice: ({ ...root({
    addressType: { type: 'string', enum: ['IPv4', 'IPv6', 'FQDN'] },
    endpoints: {
      type: 'array',
      maxItems: 1000,
      items: {
        ...open,
        required: ['addresses'],
        properties: {
          addresses: { type: 'array', items: str, minItems: 1, maxItems: 100 },
          conditions: { ...open, properties: { ready: { type: 'boolean' }, serving: { type: 'boolean' }, terminating: { type: 'boolean' } } },
          nodeName: str,
        },
      },
    },
    ports: {
      type: 'array',
      maxItems: 100,
      items: { ...open, properties: { name: str, port: { type: 'integer', minimum: 0, maximum: 65535 }, protocol } },
    },
  }), required: ['addressType'] }),
  Secret: root({
    type: str,
    immutable: { type: 'boolean' },
    data: { type: 'object', additionalProperties: { type: 'string', format: 'byte' } },
    stringData: stringMap,
  }),
};
