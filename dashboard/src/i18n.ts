import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** The dashboard's languages. */
export const LANGS = { en: 'English', 'zh-CN': '简体中文' } as const;
export type Lang = keyof typeof LANGS;

const STORAGE_KEY = 'oasis.lang';
const CHANGED = 'oasis-lang-changed';

const en = {
  'app.title': 'Oasis Scheduler',
  'nav.overview': 'Overview', 'nav.apps': 'Apps', 'nav.workers': 'Workers', 'nav.jobs': 'Jobs', 'nav.logs': 'Logs',
  'nav.users': 'Users', 'nav.audit': 'Audit log', 'nav.main': 'Main',
  'lang.label': 'Language', 'signout': 'Sign out', 'signed.out': 'You are signed out.',
  'session.ended': 'Your session has ended. Please sign in again.',
  'login.title': 'Sign in', 'login.username': 'Username', 'login.password': 'Password', 'login.submit': 'Sign in', 'login.busy': 'Signing in…',
  'common.refresh': 'Refresh', 'common.loading': 'Loading…', 'common.save': 'Save', 'common.cancel': 'Cancel', 'common.create': 'Create',
  'common.edit': 'Edit', 'common.delete': 'Delete', 'common.none': 'None yet.', 'common.all': 'All', 'common.app': 'App',
  'common.status': 'Status', 'common.name': 'Name', 'common.title': 'Title', 'common.created': 'Created', 'common.actions': 'Actions',
  'common.search': 'Search', 'common.prev': 'Previous', 'common.next': 'Next', 'common.error': 'Error', 'common.yes': 'yes', 'common.no': 'no',
  'common.saved': 'Saved.', 'common.confirmDelete': 'Delete {what}? This cannot be undone.', 'common.live': 'live', 'common.total': '{n} in all',
  'overview.jobs': 'Jobs', 'overview.running': 'Running now', 'overview.firesToday': 'Fires today', 'overview.success': 'Success rate (7 days)',
  'overview.workers': 'Workers online', 'overview.perDay': 'Runs per day by status', 'overview.lateness': 'Trigger lateness (recent runs, ms)',
  'overview.days': 'Days', 'overview.noReport': 'No daily report available: {error}',
  'apps.new': 'New app', 'apps.token': 'Worker token of {app} — copy it now, it is shown only once:', 'apps.rotate': 'Rotate token',
  'apps.rotateConfirm': 'Give {app} a new worker token? New worker connections will need it.', 'apps.editTitle': 'New title of {app}',
  'apps.nameRule': '2–64 characters: a lowercase letter first, then lowercase letters, digits or -',
  'workers.none': 'No workers online for this app.', 'workers.id': 'Worker', 'workers.slots': 'Running / free', 'workers.handlers': 'Handlers',
  'workers.heartbeat': 'Last heartbeat', 'workers.clock': 'Clock offset', 'workers.clockHint': "The cluster's clock minus the worker's, as the worker measured it; its reported times are corrected by it", 'workers.host': 'Host', 'workers.online': 'Online',
  'jobs.new': 'New job', 'jobs.handler': 'Handler', 'jobs.schedule': 'Schedule', 'jobs.next': 'Next fire', 'jobs.state': 'State',
  'jobs.enabled': 'running', 'jobs.stopped': 'stopped', 'jobs.paused': 'paused', 'jobs.start': 'Start', 'jobs.stop': 'Stop',
  'jobs.pause': 'Pause', 'jobs.resume': 'Resume', 'jobs.trigger': 'Run once', 'jobs.copy': 'Copy', 'jobs.logs': 'Logs',
  'jobs.pauseNote': 'Why is {job} paused? (optional note)', 'jobs.triggerParams': 'Params for this run of {job} (leave as is for the job’s own):',
  'jobs.triggered': 'Queued task {id}.', 'jobs.filterText': 'Name or handler',
  'form.createTitle': 'New job', 'form.editTitle': 'Edit job #{id}', 'form.basics': 'Basics', 'form.params': 'Params',
  'form.enabled': 'Enabled (fires on its schedule)', 'form.scheduleType': 'Schedule type', 'form.cron': 'Cron (seconds first when 6 fields)',
  'form.timezone': 'Time zone (IANA, e.g. Asia/Shanghai)', 'form.everyMs': 'Every (ms)', 'form.delayMs': 'Delay after each run ends (ms)',
  'form.at': 'At (local time)', 'form.startAt': 'Not before (local time)', 'form.endAt': 'Not after (local time)', 'form.maxRuns': 'At most this many runs',
  'form.preview': 'Next 5 fire times', 'form.previewNone': 'No fire times (manual / API only).', 'form.previewError': 'Schedule problem: {error}',
  'form.policies': 'Policies', 'form.misfire': 'Misfire policy', 'form.threshold': 'Misfire threshold (ms)', 'form.overlap': 'When the previous run is still running',
  'form.routing': 'Routing', 'form.timeout': 'Timeout (ms, 0 = none)', 'form.retry': 'Retries', 'form.retryCount': 'Retry count',
  'form.backoff': 'Backoff', 'form.retryDelay': 'Retry delay (ms)', 'form.retryMax': 'Max retry delay (ms)', 'form.jitter': 'Jitter (0–1)',
  'form.children': 'Child jobs', 'form.childIds': 'Child job ids (comma separated)', 'form.childOnFailure': 'Run children after a failure too',
  'form.childPass': 'Pass the result as the children’s params', 'form.alarm': 'Alarms', 'form.emails': 'Alarm emails (comma separated)',
  'form.webhooks': 'Alarm webhooks (one URL per line)', 'form.script': 'Script (GLUE) job', 'form.scriptLang': 'Script language',
  'form.scriptNone': 'none (handler job)', 'form.scriptSource': 'Script source', 'form.saved': 'Job saved.',
  'logs.job': 'Job id', 'logs.scheduled': 'Scheduled', 'logs.started': 'Started', 'logs.finished': 'Finished', 'logs.trigger': 'Trigger',
  'logs.worker': 'Worker', 'logs.attempt': 'Attempt', 'logs.from': 'From', 'logs.to': 'To', 'logs.detail': 'Task {id}',
  'logs.params': 'Params', 'logs.result': 'Result', 'logs.error': 'Error', 'logs.log': 'Execution log', 'logs.kill': 'Kill',
  'logs.killConfirm': 'Kill task {id}?', 'logs.killed': 'Kill sent.', 'logs.tailing': 'Following the log live…', 'logs.shard': 'Shard',
  'logs.duration': 'Duration', 'logs.pickApp': 'Pick an app to see its logs.',
  'users.new': 'New user', 'users.role': 'Role', 'users.apps': 'Permitted apps', 'users.password': 'Password', 'users.newPassword': 'New password for {user}',
  'users.setPassword': 'Set password', 'users.allApps': 'all apps', 'users.changeOwn': 'Change my password', 'users.current': 'Current password',
  'users.scriptApps': 'Script jobs in', 'users.noScripts': 'none', 'users.scriptHint': 'Script jobs run code on the workers: OPERATORs write them only in these apps.',
  'audit.at': 'When', 'audit.user': 'User', 'audit.action': 'Action', 'audit.target': 'Target', 'audit.ip': 'Address', 'audit.change': 'Before → after',
  'audit.filterUser': 'User', 'audit.filterTarget': 'Target (type or type:id)',
} as const;

export type MessageKey = keyof typeof en;

const zh: Record<MessageKey, string> = {
  'app.title': 'Oasis 调度中心',
  'nav.overview': '概览', 'nav.apps': '应用', 'nav.workers': '执行器', 'nav.jobs': '任务', 'nav.logs': '调度日志',
  'nav.users': '用户', 'nav.audit': '审计日志', 'nav.main': '主导航',
  'lang.label': '语言', 'signout': '退出登录', 'signed.out': '您已退出登录。',
  'session.ended': '会话已结束，请重新登录。',
  'login.title': '登录', 'login.username': '用户名', 'login.password': '密码', 'login.submit': '登录', 'login.busy': '正在登录…',
  'common.refresh': '刷新', 'common.loading': '加载中…', 'common.save': '保存', 'common.cancel': '取消', 'common.create': '创建',
  'common.edit': '编辑', 'common.delete': '删除', 'common.none': '暂无数据。', 'common.all': '全部', 'common.app': '应用',
  'common.status': '状态', 'common.name': '名称', 'common.title': '标题', 'common.created': '创建时间', 'common.actions': '操作',
  'common.search': '搜索', 'common.prev': '上一页', 'common.next': '下一页', 'common.error': '错误', 'common.yes': '是', 'common.no': '否',
  'common.saved': '已保存。', 'common.confirmDelete': '确定删除 {what}？此操作不可撤销。', 'common.live': '实时', 'common.total': '共 {n} 条',
  'overview.jobs': '任务数', 'overview.running': '运行中', 'overview.firesToday': '今日调度次数', 'overview.success': '成功率（7 天）',
  'overview.workers': '在线执行器', 'overview.perDay': '每日运行次数（按状态）', 'overview.lateness': '触发延迟（最近运行，毫秒）',
  'overview.days': '天数', 'overview.noReport': '暂无日报：{error}',
  'apps.new': '新建应用', 'apps.token': '{app} 的执行器令牌——请立即复制，仅显示一次：', 'apps.rotate': '重置令牌',
  'apps.rotateConfirm': '为 {app} 生成新的执行器令牌？新的执行器连接需要使用新令牌。', 'apps.editTitle': '{app} 的新标题',
  'apps.nameRule': '2–64 个字符：以小写字母开头，其后为小写字母、数字或 -',
  'workers.none': '该应用暂无在线执行器。', 'workers.id': '执行器', 'workers.slots': '运行 / 空闲', 'workers.handlers': '处理器',
  'workers.heartbeat': '最近心跳', 'workers.clock': '时钟偏差', 'workers.clockHint': '集群时钟减去该执行器的时钟（由执行器测得）；它上报的时间据此校正', 'workers.host': '主机', 'workers.online': '在线',
  'jobs.new': '新建任务', 'jobs.handler': '处理器', 'jobs.schedule': '调度', 'jobs.next': '下次触发', 'jobs.state': '状态',
  'jobs.enabled': '运行中', 'jobs.stopped': '已停止', 'jobs.paused': '已暂停', 'jobs.start': '启动', 'jobs.stop': '停止',
  'jobs.pause': '暂停', 'jobs.resume': '恢复', 'jobs.trigger': '执行一次', 'jobs.copy': '复制', 'jobs.logs': '日志',
  'jobs.pauseNote': '{job} 暂停的原因？（可选备注）', 'jobs.triggerParams': '本次执行 {job} 的参数（不修改则使用任务自身参数）：',
  'jobs.triggered': '已加入队列：任务 {id}。', 'jobs.filterText': '名称或处理器',
  'form.createTitle': '新建任务', 'form.editTitle': '编辑任务 #{id}', 'form.basics': '基本信息', 'form.params': '任务参数',
  'form.enabled': '启用（按调度触发）', 'form.scheduleType': '调度类型', 'form.cron': 'Cron 表达式（6 段时首段为秒）',
  'form.timezone': '时区（IANA，如 Asia/Shanghai）', 'form.everyMs': '固定频率（毫秒）', 'form.delayMs': '上次结束后延迟（毫秒）',
  'form.at': '执行时间（本地时间）', 'form.startAt': '开始时间（本地时间）', 'form.endAt': '结束时间（本地时间）', 'form.maxRuns': '最多运行次数',
  'form.preview': '接下来 5 次触发时间', 'form.previewNone': '无触发时间（仅手动 / API）。', 'form.previewError': '调度有误：{error}',
  'form.policies': '策略', 'form.misfire': '调度过期策略', 'form.threshold': '过期阈值（毫秒）', 'form.overlap': '阻塞处理策略',
  'form.routing': '路由策略', 'form.timeout': '超时（毫秒，0 为不限）', 'form.retry': '失败重试', 'form.retryCount': '重试次数',
  'form.backoff': '退避方式', 'form.retryDelay': '重试间隔（毫秒）', 'form.retryMax': '最大重试间隔（毫秒）', 'form.jitter': '抖动（0–1）',
  'form.children': '子任务', 'form.childIds': '子任务 ID（逗号分隔）', 'form.childOnFailure': '失败后也触发子任务',
  'form.childPass': '将结果作为子任务参数', 'form.alarm': '告警', 'form.emails': '告警邮箱（逗号分隔）',
  'form.webhooks': '告警 Webhook（每行一个 URL）', 'form.script': '脚本（GLUE）任务', 'form.scriptLang': '脚本语言',
  'form.scriptNone': '无（处理器任务）', 'form.scriptSource': '脚本源码', 'form.saved': '任务已保存。',
  'logs.job': '任务 ID', 'logs.scheduled': '计划时间', 'logs.started': '开始时间', 'logs.finished': '结束时间', 'logs.trigger': '触发方式',
  'logs.worker': '执行器', 'logs.attempt': '尝试次数', 'logs.from': '起始', 'logs.to': '截止', 'logs.detail': '执行记录 {id}',
  'logs.params': '参数', 'logs.result': '结果', 'logs.error': '错误', 'logs.log': '执行日志', 'logs.kill': '终止',
  'logs.killConfirm': '确定终止 {id}？', 'logs.killed': '已发送终止请求。', 'logs.tailing': '正在实时跟踪日志…', 'logs.shard': '分片',
  'logs.duration': '耗时', 'logs.pickApp': '请选择一个应用以查看其日志。',
  'users.new': '新建用户', 'users.role': '角色', 'users.apps': '授权应用', 'users.password': '密码', 'users.newPassword': '{user} 的新密码',
  'users.setPassword': '设置密码', 'users.allApps': '全部应用', 'users.changeOwn': '修改我的密码', 'users.current': '当前密码',
  'users.scriptApps': '可编写脚本任务的应用', 'users.noScripts': '无', 'users.scriptHint': '脚本任务会在执行器上运行代码：运维员（OPERATOR）只能在这些应用中编写。',
  'audit.at': '时间', 'audit.user': '用户', 'audit.action': '操作', 'audit.target': '对象', 'audit.ip': '地址', 'audit.change': '变更前 → 变更后',
  'audit.filterUser': '用户', 'audit.filterTarget': '对象（类型或 类型:ID）',
};

const MESSAGES: Record<Lang, Record<MessageKey, string>> = { en, 'zh-CN': zh };

function initial(): Lang {
  const stored = typeof localStorage === 'undefined' ? null : localStorage.getItem(STORAGE_KEY);
  if (stored && stored in LANGS) return stored as Lang;
  return typeof navigator !== 'undefined' && navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

let current: Lang = initial();

/** The language in use. */
export function lang(): Lang {
  return current;
}

/** Switches the language, remembers it (localStorage) and tells every element. */
export function setLang(next: Lang): void {
  if (next === current) return;
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
  window.dispatchEvent(new CustomEvent(CHANGED));
}

/** The message `key` in the current language, `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = MESSAGES[current][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Re-renders its host when the language changes. */
export class LangController implements ReactiveController {
  private readonly onChange = () => this.host.requestUpdate();
  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }
  hostConnected(): void {
    window.addEventListener(CHANGED, this.onChange);
  }
  hostDisconnected(): void {
    window.removeEventListener(CHANGED, this.onChange);
  }
}

if (typeof document !== 'undefined') document.documentElement.lang = current;
