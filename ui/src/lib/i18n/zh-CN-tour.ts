import type { enTour } from './en-tour';

/** The offline demo's first-run tour in Simplified Chinese; the type demands every English key. */
export const zhCNTour: { readonly [K in keyof typeof enTour]: string } = {
  'tour.title': '试用离线演示',
  'tour.intro': '仅在您首次在本机登录时显示一次。',
  'tour.find': '按来电客户手机号后四位查找客户：试试 {digits}。',
  'tour.findAny': '按来电客户手机号后四位查找客户。',
  'tour.send': '冻结的卡已选中：按 {keys} 通过短信和语音发送解冻指引。',
  'tour.phone': '在客户手机窗口中扮演客户：打开验证码，输入客户信息（先试一次错误的密码）。短信的“打开客户页面”也可使用银行的真实页面。',
  'tour.timeline': '观察案件时间线实时更新。',
  'tour.help': '按 ? 查看全部快捷键。',
  'tour.close': '关闭导览',
};
