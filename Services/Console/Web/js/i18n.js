// The page's words in Chinese (default) and English.
const words = {
  zh: {
    title: '指挥中心', board: '警情看板', map: '地图', units: '警力', scoring: '考核', hotspots: '热点', liaison: '企业联络', ops: '运维',
    incident: '警情', priority: '级别', age: '时长', category: '类别', place: '地点', assigned: '警力', command: '指挥所', timers: '时限',
    state: '状态', position: '位置', current: '当前警情', shift: '班次', why: '原因', station: '所属', kind: '类型',
    signOff: '签收', arrival: '到达', firstFeedback: '反馈', close: '结案', escalations: '待确认升级', noIncidents: '暂无警情',
    assign: '指派', reassign: '改派', cancel: '撤销指派', reclassify: '改类', major: '重大', acknowledge: '确认', reason: '理由',
    dispatcher: '调度员', actingAs: '操作人', consoleToken: '控制台令牌', send: '提交', recommended: '推荐警力', eta: '预计到达', distance: '距离', rule: '规则', timeline: '时间线',
    caller: '报警人', outcome: '结果', calls: '来电', points: '积分', officer: '民警', rank: '排名', kpi: '指标', target: '目标',
    actual: '实际', ready: '就绪', lag: '滞后', deadLetters: '死信', source: '来源', applied: '已处理', shortcuts: '快捷键',
    live: '实时', reconnecting: '重连中', back: '返回', open: '打开', queued: '排队', closed: '已结案', description: '描述',
    available: '可用', dispatched: '已派', enRoute: '在途', onScene: '现场', handingOver: '交接', offDuty: '下班', alerts: '企业警情',
    hotspotsNote: '按网格 × 小时 × 类别统计(本页数据来自控制台读模型)', liaisonNote: '企业相关警情', lines: '积分明细',
    intervals: '时段报告', awards: '满天星', starOfTheMonth: '本月之星', trafficManagers: '优秀交管', callTakers: '优秀接警员', patrolPlan: '巡逻方案', coordination: '零打扰协调队列', cases: '案件', overdue: '逾期工作',
    coordinate: '联络确认', liaisonOfficer: '联络民警', enterprise: '企业', held: '等待确认', released: '已放行', bypassed: '紧急直派', dueAt: '时限', daysSinceContact: '距上次走访(天)', lastContact: '上次联系', title_: '标题', severity: '级别', transition: '变化', noneWaiting: '无待确认', callerHidden: '无权查看', suspects: '抓获', recovered: '挽损(元)', signIn: '登录', signOut: '退出', token: '令牌',
  },
  en: {
    title: 'Command centre', board: 'Live board', map: 'Map', units: 'Units', scoring: 'Scoring', hotspots: 'Hotspots', liaison: 'Liaison', ops: 'Operations',
    incident: 'Incident', priority: 'P', age: 'Age', category: 'Category', place: 'Place', assigned: 'Units', command: 'Command', timers: 'Timers',
    state: 'State', position: 'Position', current: 'Incident', shift: 'Shift', why: 'Why', station: 'Station', kind: 'Kind',
    signOff: 'Sign-off', arrival: 'Arrival', firstFeedback: 'Feedback', close: 'Close', escalations: 'Escalations to acknowledge', noIncidents: 'No open incidents',
    assign: 'Assign', reassign: 'Reassign', cancel: 'Cancel assignment', reclassify: 'Reclassify', major: 'Major', acknowledge: 'Acknowledge', reason: 'Reason',
    dispatcher: 'Dispatcher', actingAs: 'Acting as', consoleToken: 'the console\'s token', send: 'Send', recommended: 'Recommended units', eta: 'ETA', distance: 'Distance', rule: 'Rule', timeline: 'Timeline',
    caller: 'Caller', outcome: 'Outcome', calls: 'Calls', points: 'Points', officer: 'Officer', rank: 'Rank', kpi: 'KPI', target: 'Target',
    actual: 'Actual', ready: 'Ready', lag: 'Lag', deadLetters: 'Dead letters', source: 'Source', applied: 'Applied', shortcuts: 'Shortcuts',
    live: 'live', reconnecting: 'reconnecting', back: 'Back', open: 'open', queued: 'queued', closed: 'closed', description: 'Description',
    available: 'available', dispatched: 'dispatched', enRoute: 'en route', onScene: 'on scene', handingOver: 'handing over', offDuty: 'off duty', alerts: 'Enterprise incidents',
    hotspotsNote: 'Incidents by grid × hour × category (from the console\'s read model)', liaisonNote: 'Incidents involving enterprises', lines: 'Points line by line',
    intervals: 'Interval report', awards: 'Monthly awards (满天星)', starOfTheMonth: 'Star of the month', trafficManagers: 'Traffic managers', callTakers: 'Call-takers', patrolPlan: 'Patrol plan', coordination: 'Zero-disturbance coordination queue', cases: 'Cases', overdue: 'Overdue work',
    coordinate: 'Liaison acknowledgement', liaisonOfficer: 'Liaison officer', enterprise: 'Enterprise', held: 'waiting', released: 'released', bypassed: 'emergency, sent', dueAt: 'Due', daysSinceContact: 'Days since contact', lastContact: 'Last contact', title_: 'Title', severity: 'Severity', transition: 'Change', noneWaiting: 'nothing waiting', callerHidden: 'not shown to this console', suspects: 'Caught', recovered: 'Recovered (¥)', signIn: 'Sign in', signOut: 'sign out', token: 'Bearer token',
  },
};

let language = localStorage.getItem('precinct.lang') || 'zh';

/** The word for `key` in the current language (the key itself when missing). */
export function t(key) { return words[language][key] ?? words.en[key] ?? key; }
export function currentLanguage() { return language; }
export function setLanguage(lang) {
  language = words[lang] ? lang : 'zh';
  localStorage.setItem('precinct.lang', language);
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
}
