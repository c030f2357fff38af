/** The timeline's entry details, in Simplified Chinese (part of the Chinese catalogue). */
import type { enDetail } from './en-detail';

export const zhCNDetail: { readonly [K in keyof typeof enDetail]: string } = {
  'detail.marked': '卡 {card}，冻结原因：{reason}',
  'detail.asks': '需核验：{credentials}',
  'detail.asked': '已要求提供：{credentials}',
  'detail.sent': '通过{channels}发送至 {phone}',
  'detail.codeAccepted': '一次性验证码已接受',
  'detail.attempt': '第 {attempt} 次，共 {max} 次',
  'detail.matched': '与预留信息一致',
  'detail.tooManyFailures': '核验失败次数过多',
  'detail.customerLimit': '客户 {hours} 小时内已失败 {count} 次',
  'detail.openedBy': '案件发起人：{name}',
  'detail.unfrozen': '卡 {card} 已解冻，解除：{reason}',
  'detail.expired': '一次性验证码已超过有效期',
  'detail.audio': '语音提示（外发 {outbox}）由 {engine} 生成',
};
