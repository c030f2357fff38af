import type { Messages } from './en';

/** The console's Simplified Chinese messages; the type demands every English key. */
export const zhCN: Messages = {
  'app.name': 'CardDesk',
  'app.tagline': '银行卡服务控制台',

  'language.label': '语言',
  'language.shortcut': 'Alt+L 切换语言',

  'main.title': '控制台正在启动',
  'main.body': '卡片查询、案件和队列将随功能上线显示在这里。',

  'status.label': '服务台状态',
  'status.desk': '服务台',
  'status.loading': '正在连接服务台…',
  'status.version': '版本 {version}',
  'status.error': '服务台没有响应：{message}',
  'status.errorCode': '错误代码 {code}',
  'status.retry': '重试',

  'mode.offline-demo': '离线演示',
};
