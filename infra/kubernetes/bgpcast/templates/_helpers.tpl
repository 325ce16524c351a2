{{/* The prefix of every object's name: the release name, with "-bgpcast" unless it says bgpcast. */}}
{{- define "bgpcast.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else if contains "bgpcast" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-bgpcast" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* One component's name: bgpcast.name (dict "root" $ "component" "watcher"). */}}
{{- define "bgpcast.name" -}}
{{- printf "%s-%s" (include "bgpcast.fullname" .root) .component -}}
{{- end -}}

{{- define "bgpcast.labels" -}}
app.kubernetes.io/name: bgpcast
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "bgpcast.selectorLabels" -}}
app.kubernetes.io/name: bgpcast
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "bgpcast.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The namespace the Secrets named by a PeerConfig's authSecretRef live in. */}}
{{- define "bgpcast.bgpSecretsNamespace" -}}
{{- default .Release.Namespace .Values.bgpSecretsNamespace -}}
{{- end -}}

{{/* The events topic's brokers: kafka.brokers, or the Strimzi cluster's bootstrap Service. */}}
{{- define "bgpcast.kafkaBrokers" -}}
{{- if .Values.kafka.strimzi.enabled -}}
{{- printf "%s-kafka-bootstrap.%s.svc:9092" (include "bgpcast.name" (dict "root" . "component" "kafka")) .Release.Namespace -}}
{{- else -}}
{{- required "kafka.brokers is required (host:port,...), or set kafka.strimzi.enabled" .Values.kafka.brokers -}}
{{- end -}}
{{- end -}}

{{/* The environment every bgpcast process reads: brokers, Redis, key prefix, settings. */}}
{{- define "bgpcast.env" -}}
- name: BGPCAST_KAFKA_BROKERS
  value: {{ include "bgpcast.kafkaBrokers" . | quote }}
- name: BGPCAST_EVENTS_TOPIC
  value: {{ .Values.kafka.topic | quote }}
{{- if .Values.redis.urlSecret.name }}
- name: BGPCAST_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.urlSecret.name }}
      key: {{ .Values.redis.urlSecret.key }}
{{- else }}
- name: BGPCAST_REDIS_URL
  value: {{ include "bgpcast.redisUrl" . | quote }}
{{- end }}
- name: BGPCAST_REDIS_PREFIX
  value: {{ .Values.redis.prefix | quote }}
- name: BGPCAST_BGP_SECRETS_NAMESPACE
  value: {{ include "bgpcast.bgpSecretsNamespace" . | quote }}
- name: BGPCAST_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- range $name, $value := .Values.settings }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{- define "bgpcast.redisUrl" -}}
{{- if .Values.redis.url -}}
{{- .Values.redis.url -}}
{{- else if .Values.redis.statefulSet.enabled -}}
{{- printf "redis://%s.%s.svc:6379" (include "bgpcast.name" (dict "root" . "component" "redis")) .Release.Namespace -}}
{{- else -}}
{{- fail "redis.url (or redis.urlSecret) is required when redis.statefulSet.enabled is false" -}}
{{- end -}}
{{- end -}}

{{/* POD_NAMESPACE: the default --lease-namespace of watch and status-writer. */}}
{{- define "bgpcast.podNamespaceEnv" -}}
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{- end -}}

{{/* A container that runs as nobody, drops every capability and writes nowhere. */}}
{{- define "bgpcast.restrictedContainer" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: {{ .Values.image.uid }}
runAsGroup: {{ .Values.image.uid }}
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* /healthz and /readyz probes on a named port. */}}
{{- define "bgpcast.probes" -}}
startupProbe:
  httpGet: {path: /healthz, port: telemetry}
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet: {path: /healthz, port: telemetry}
  periodSeconds: 10
  failureThreshold: 3
readinessProbe:
  httpGet: {path: /readyz, port: telemetry}
  periodSeconds: 5
  failureThreshold: 2
{{- end -}}
