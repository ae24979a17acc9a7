"""Seed the response-code catalogue and the screen-message patterns.

The facts come from public tables (see research/domain.md §1.3 and §1.4): ISO 8583:1987
field 39 meanings under `iso8583`, the China UnionPay POS spec meanings and terminal displays
under `cup` (plus a few acquirer-specific codes that Chinese terminals show). The wording is
our own. Admins edit these rows afterwards; the reverse removes only the keys seeded here.

Causes map the research categories onto the project's: DEVICE_KEY -> keys (or hardware),
NETWORK_HOST -> host_outage / network, MERCHANT_RESTRICTED -> merchant_restricted,
CARDHOLDER -> cardholder, CONFIG -> config. Operator slips and transient codes -> unknown.
`depends_on_cards` marks codes whose meaning flips: one card failing is the card's problem,
every card failing points at the merchant or the host.
"""

from django.db import migrations

SRC_CUP = "CUP POS spec field 39 (中国银联POS终端消息域说明), as reproduced in public POS app source"
SRC_CUP_OPS = SRC_CUP + "; operator notes (sxfpos.com)"
SRC_CUP_KOOL = SRC_CUP + "; koolcloud display table"
SRC_ACQ = "Acquirer-specific code seen on Chinese terminals (public integration source), not CUP standard"
SRC_ISO = "ISO 8583:1987 field 39 (public Visa / mypos / Google payments tables)"
SRC_ISO_97 = "ISO 8583:1987 reserves 97 for national use; German GICC table: MAC check error"

# Guidance shared by codes that call for the same steps:
# key -> (merchant EN, merchant ZH, support EN, support ZH).
GUIDANCE = {
    "another_card": (
        "The card's bank declined it; your terminal is fine. Ask the customer for another "
        "card or another way to pay.",
        "这是发卡行拒绝了这张卡，终端没有问题。请顾客换一张卡或改用其他方式付款。",
        "Card-side decline, not a terminal fault. No dispatch.",
        "卡片一侧拒绝，不是终端故障，无需派工。",
    ),
    "depends_on_cards": (
        "If only this card fails, ask the customer for another card. If every card fails with "
        "this code, report it now: the block may be on your merchant account.",
        "如果只有这张卡失败，请顾客换卡。如果所有卡都返回这个代码，请立即报告：可能是商户账户被限制。",
        "Ask: one card or all? Some cards: issuer decline. Every card: the acquirer may return "
        "a generic decline for a merchant-side block; escalate with 3+ example transactions "
        "(time, amount, masked card, reference number).",
        "先问清是一张卡还是所有卡。部分卡：发卡行拒绝。所有卡：收单机构可能以通用拒绝码表示商户侧限制，"
        "附三笔以上示例交易（时间、金额、掩码卡号、参考号）升级。",
    ),
    "keep_card": (
        "Do not accept this card and do not try it again. Your terminal is fine; ask for "
        "another way to pay.",
        "请不要受理这张卡，也不要重试。终端没有问题，请顾客改用其他方式付款。",
        "The issuer flagged the card (lost, stolen, suspected fraud). Not a terminal fault. "
        "Many such declines in a short time can trigger a risk review of the merchant.",
        "发卡行已标记此卡（挂失、被盗、涉嫌欺诈），不是终端故障。短时间内大量此类拒绝可能引发对商户的风控审查。",
    ),
    "pin": (
        "The PIN was wrong or entered too many times. The customer may re-enter it once; "
        "otherwise ask for another card.",
        "密码错误或输错次数过多。顾客可再输入一次，否则请换卡。",
        "Cardholder PIN problem. If every card gets a PIN error, suspect the PIN key and ask "
        "the merchant to sign on again.",
        "持卡人密码问题。如果所有卡都报密码错，应怀疑PIN密钥，请商户重新签到。",
    ),
    "limit": (
        "A limit was reached. If only this card fails, it is the card's limit: ask for another "
        "card. If every card fails above a certain amount or count, it is your terminal's "
        "limit: report it so the provider can check or raise it.",
        "已超出限额。只有这张卡失败，是卡片限额，请换卡；所有卡在某个金额或笔数以上都失败，是终端限额，"
        "请报告，由服务商查询或申请提额。",
        "Card limit or merchant/terminal limit (some acquirers use 61/62 for POS single or "
        "daily amount limits). Merchant limit: limit query or limit-increase request (提额申请).",
        "区分卡片限额与商户/终端限额（部分收单机构用61/62表示POS单笔或当日累计超限）。商户限额：查询或提额申请。",
    ),
    "not_permitted_terminal": (
        "This transaction is not allowed on your terminal. If every card fails, report it at "
        "once: a permission on your terminal has been closed. If only one card fails, ask for "
        "another card.",
        "本终端不允许此交易。如果所有卡都失败，请立即报告：终端的某项权限已被关闭；只有一张卡失败则请换卡。",
        "Every card: P1, ask the acquirer which permission is closed and why (risk or "
        "configuration). One card: issuer restriction for this merchant or terminal type.",
        "所有卡：P1，向收单机构确认关闭了哪项权限及原因（风控或配置）。单张卡：发卡行对该商户/终端类型的限制。",
    ),
    "invalid_merchant": (
        "The host does not recognise your merchant number. Retrying will not help; report it "
        "now so the provider can check your merchant record.",
        "主机不认可您的商户号，重试无效。请立即报告，由服务商核查商户档案。",
        "Check the MID with the acquirer: closed, risk freeze, expired KYC, dormant? If the MID "
        "is active, the terminal holds wrong parameters: TMS re-download or engineer.",
        "向收单机构核查商户号状态：注销、风控冻结、资料过期、休眠？如商户号正常，则终端参数有误：重新下载TMS参数或派工程师。",
    ),
    "not_registered": (
        "The host does not recognise this terminal (terminal not registered). Retrying will "
        "not help; report it now so the provider can check the terminal record.",
        "主机找不到这台终端（终端未登记），重试无效。请立即报告，由服务商核查终端档案。",
        "Check the TID: deleted for inactivity (reactivation, non-risk), for risk (appeal "
        "route), unbound, or a wrong TID in the parameters. P1 if it is the only terminal.",
        "核查终端号：因长期无交易被删（重新激活，非风控）、因风控被删（走申诉）、未绑定，或参数中的终端号有误。唯一终端时为P1。",
    ),
    "sign_on": (
        "Settle the day's transactions (结算), sign off, then sign on again (签到) and try a "
        "sale. If it still fails after two tries, report it.",
        "请先结算，再签退，然后重新签到，再试一笔交易。试两次仍失败请报告。",
        "Working keys or batch number out of step with the host; sign-on downloads new working "
        "keys. Persisting: master-key problem, remote key injection, engineer or swap.",
        "工作密钥或批次号与主机不一致，签到会下载新的工作密钥。仍失败：主密钥问题，远程灌密钥、派工程师或换机。",
    ),
    "pin_pad": (
        "Sign on again (签到). If the message stays, the PIN pad may be faulty: report it.",
        "请重新签到。如果提示仍在，密码键盘可能有故障，请报告。",
        "PIN pad setup failed. Re-sign-on; if it persists, PIN pad hardware: swap.",
        "设置密码键盘失败。重新签到；持续出现则为密码键盘硬件故障，需换机。",
    ),
    "host_wait": (
        "The card network is busy (day-end switchover or maintenance). Wait about 10 minutes "
        "and try again; meanwhile offer another way to pay.",
        "银行卡网络正在日切或维护。请等待约10分钟后重试，期间请顾客使用其他付款方式。",
        "Scheduled cutoff or switch fault. If it lasts over 30 minutes, or only our terminals "
        "get it, open a provider incident.",
        "日切或交换中心故障。超过30分钟，或只有我方终端出现时，开服务商事件单。",
    ),
    "host_unreachable": (
        "The card's bank or the network could not be reached. Try again in a few minutes; if "
        "only one bank's cards fail, ask for another card. Before charging again, check "
        "whether the customer was charged: a failed sale is normally reversed automatically.",
        "无法连接发卡行或网络。请几分钟后重试；只有某家银行的卡失败时请换卡。再次收款前先确认顾客是否已被扣款，"
        "失败的交易一般会自动冲正。",
        "Every card: host or link outage, check the status page and other merchants. One "
        "issuer: issuer outage. Look for the reversal (冲正).",
        "所有卡：主机或线路故障，查看状态页和其他商户。单一发卡行：发卡行故障。注意核查冲正。",
    ),
    "timeout": (
        "The answer came too late. Check the network cable or signal and try again. Before "
        "charging again, check whether the customer was charged: a failed sale is normally "
        "reversed automatically.",
        "应答超时。请检查网线或信号后重试。再次收款前先确认顾客是否已被扣款，失败的交易一般会自动冲正。",
        "Network latency or weak signal at the site. Look for the reversal (冲正) before a retry.",
        "现场网络延迟或信号弱。重试前先核查冲正。",
    ),
    "function": (
        "This kind of transaction is not enabled on your terminal. Note which one it was "
        "(sale, pre-authorisation, refund…) and ask the provider to enable it.",
        "您的终端未开通此类交易。请记下交易类型（消费、预授权、退货等）并申请服务商开通。",
        "Enablement request, or the function is not supported for this merchant.",
        "提交开通申请，或该商户不支持此功能。",
    ),
    "amount": (
        "Check the amount and enter it again. If amounts above a certain figure always fail, "
        "report it: a limit applies to your terminal.",
        "请核对金额后重新输入。如果超过某个金额总是失败，请报告：终端有限额。",
        "Operator slip, or a merchant single-transaction limit: limit query or increase.",
        "操作失误，或商户单笔限额：查询或申请提额。",
    ),
    "brand": (
        "Cards of this bank or brand are not accepted on your terminal (often foreign cards). "
        "Ask for another card; ask the provider to enable the brand if you need it.",
        "您的终端不受理此银行或卡组织的卡（常见于外卡）。请换卡；如需受理请申请服务商开通。",
        "Card brand or BIN not enabled (e.g. foreign cards, 外卡): enablement request.",
        "卡组织或卡BIN未开通（如外卡）：提交开通申请。",
    ),
    "retry_once": (
        "Try the transaction once more.",
        "请再试一次。",
        "Transient; escalate only if it repeats.",
        "临时性错误，反复出现再升级。",
    ),
    "original": (
        "The original transaction could not be matched. Check the original receipt (date, "
        "voucher number, amount) and try the void or refund again.",
        "找不到原交易。请核对原签购单（日期、凭证号、金额）后再撤销或退货。",
        "Operator slip, usually a void or refund of a transaction that does not exist.",
        "操作问题，通常是撤销或退货的原交易不存在。",
    ),
    "duplicate": (
        "The host saw this transaction twice. Check whether the first attempt went through "
        "before trying again.",
        "主机收到了重复交易。重试前请先确认第一笔是否已成功。",
        "Duplicate transmission; check the first attempt before any retry.",
        "重复交易；重试前先核查第一笔。",
    ),
    "format": (
        "Restart the terminal and try again. If it persists, report it: the terminal's "
        "software or parameters may need an update.",
        "请重启终端后重试。持续出现请报告：终端程序或参数可能需要更新。",
        "Application or parameter version mismatch: TMS update or engineer.",
        "应用或参数版本不匹配：TMS更新或派工程师。",
    ),
    "iso_97": (
        "This code has no single standard meaning. Sign on again if your terminal offers it; "
        "if it persists, report it.",
        "此代码没有统一的标准含义。如终端支持请重新签到；持续出现请报告。",
        "Reserved for national use in ISO 8583:1987; the German GICC uses it for a MAC error. "
        "Confirm the acquirer's meaning. Under CUP, 97 means terminal not registered.",
        "ISO 8583:1987中保留给各国自定义；德国GICC用作MAC错误。请向收单机构确认含义。银联规范中97表示终端未登记。",
    ),
}

# The catalogue, one row per code:
# (code, meaning EN, meaning ZH, cause, depends_on_cards, guidance key, source)
CUP = [
    ("01", "Refer to card issuer", "查发卡行（请持卡人与发卡银行联系）", "cardholder", False, "another_card", SRC_CUP),
    ("02", "Refer to card issuer, special condition", "查发卡行的特殊条件", "cardholder", False, "another_card", SRC_CUP),
    ("03", "Invalid merchant: merchant number not registered or suspended", "无效商户（商户未登记或已停用）", "merchant_restricted", False, "invalid_merchant", SRC_CUP),
    ("04", "Pick up card", "没收卡，请联系收单行", "cardholder", False, "keep_card", SRC_CUP),
    ("05", "Cardholder verification failed (older tables: do not honour)", "持卡人认证失败（旧版：不予承兑）", "cardholder", True, "depends_on_cards", SRC_CUP),
    ("06", "Error at the card issuer", "出错（发卡行故障）", "host_outage", False, "host_unreachable", SRC_CUP),
    ("07", "Pick up card, special condition (suspected fraud)", "特殊条件下没收卡", "cardholder", False, "keep_card", SRC_CUP),
    ("08", "Terminal not signed on (acquirer code)", "终端未签到（收单机构自定义）", "keys", False, "sign_on", SRC_ACQ),
    ("12", "Invalid transaction: type not supported or not enabled", "无效交易（交易类型不支持或未开通）", "config", False, "function", SRC_CUP),
    ("13", "Invalid amount (zero or above a limit)", "无效金额（金额为零或超限）", "config", False, "amount", SRC_CUP),
    ("14", "Invalid card number", "无效卡号", "cardholder", False, "another_card", SRC_CUP),
    ("15", "No such issuer", "无此发卡方", "config", False, "brand", SRC_CUP),
    ("19", "Re-enter transaction", "重新送入交易", "unknown", False, "retry_once", SRC_CUP),
    ("22", "Terminal state out of step with the host: settle and sign on again", "怀疑操作有误（POS状态与中心不符，请重新签到）", "keys", False, "sign_on", SRC_CUP_KOOL),
    ("25", "Unable to locate the original transaction", "未能找到原始交易", "unknown", False, "original", SRC_CUP),
    ("30", "Format error", "格式错误", "config", False, "format", SRC_CUP),
    ("31", "Bank not supported by UnionPay", "银联不支持的银行", "config", False, "brand", SRC_CUP),
    ("33", "Expired card", "过期的卡", "cardholder", False, "another_card", SRC_CUP),
    ("34", "Suspected fraud: card flagged", "有作弊嫌疑（作弊卡）", "cardholder", False, "keep_card", SRC_CUP),
    ("38", "PIN tries exceeded", "密码错误次数超限", "cardholder", False, "pin", SRC_CUP),
    ("40", "Requested function not supported", "请求的功能尚不支持", "config", False, "function", SRC_CUP),
    ("41", "Lost card", "挂失卡", "cardholder", False, "keep_card", SRC_CUP),
    ("43", "Stolen card", "被窃卡", "cardholder", False, "keep_card", SRC_CUP),
    ("51", "Insufficient funds", "可用余额不足", "cardholder", False, "another_card", SRC_CUP),
    ("54", "Expired card", "过期的卡", "cardholder", False, "another_card", SRC_CUP),
    ("55", "Incorrect PIN", "密码错", "cardholder", False, "pin", SRC_CUP),
    ("57", "Transaction not permitted to this card", "不允许持卡人进行的交易（不允许此卡交易）", "cardholder", True, "depends_on_cards", SRC_CUP),
    ("58", "Transaction not permitted on this terminal", "不允许终端进行的交易", "merchant_restricted", True, "not_permitted_terminal", SRC_CUP),
    ("59", "Suspected fraud; shown as card verification error", "有作弊嫌疑（显示：卡片校验错）", "cardholder", True, "depends_on_cards", SRC_CUP),
    ("61", "Exceeds amount limit (some acquirers: POS single-transaction limit)", "超出金额限制（部分收单机构：POS单笔金额超限）", "cardholder", True, "limit", SRC_CUP),
    ("62", "Restricted card (some acquirers: POS daily amount limit)", "受限制的卡（部分收单机构：POS当天累计金额超限）", "cardholder", True, "limit", SRC_CUP),
    ("63", "Security violation", "违反安全保密规定", "keys", False, "sign_on", SRC_CUP),
    ("64", "Original amount incorrect", "原始金额不正确", "unknown", False, "original", SRC_CUP),
    ("65", "Exceeds transaction count limit", "超出消费次数限制", "cardholder", True, "limit", SRC_CUP),
    ("68", "Response received too late: transaction timed out", "收到的回答太迟（交易超时，请重试）", "network", False, "timeout", SRC_CUP),
    ("75", "PIN tries exceeded", "允许的输入密码次数超限", "cardholder", False, "pin", SRC_CUP),
    ("77", "Batch number out of step with the host: sign on again", "批次号与网络中心不一致，请重新签到", "keys", False, "sign_on", SRC_CUP),
    ("90", "Day-end cutoff in progress", "日期切换正在处理（系统日切，请稍后重试）", "host_outage", False, "host_wait", SRC_CUP),
    ("91", "Issuer or UnionPay switch inoperative", "发卡方或银联不能操作（请稍后重试）", "host_outage", True, "host_unreachable", SRC_CUP),
    ("92", "Issuer or network node cannot be reached", "金融机构或中间网络设施找不到或无法达到", "host_outage", False, "host_unreachable", SRC_CUP),
    ("94", "Duplicate transaction", "重复交易", "unknown", False, "duplicate", SRC_CUP),
    ("96", "Switch system malfunction", "系统异常、失效（交换中心异常，请稍后重试）", "host_outage", False, "host_wait", SRC_CUP_OPS),
    ("97", "Terminal ID not found: terminal not registered", "POS终端号找不到（终端未登记）", "merchant_restricted", False, "not_registered", SRC_CUP_OPS),
    ("98", "UnionPay got no answer from the issuer (issuer timeout)", "银联收不到发卡方应答（发卡方超时）", "host_outage", True, "host_unreachable", SRC_CUP),
    ("99", "PIN block format error: sign on again", "PIN格式错，请重新签到", "keys", False, "sign_on", SRC_CUP),
    ("A0", "MAC check failed: sign on again", "MAC鉴别失效（MAC校验错，请重新签到）", "keys", False, "sign_on", SRC_CUP),
    ("B0", "Card on the acquirer's risk blacklist (acquirer code)", "风控黑卡（收单机构自定义）", "cardholder", False, "keep_card", SRC_ACQ),
    ("B1", "Card refused by the acquirer's risk blacklist (acquirer code)", "风控黑名单拒绝卡（收单机构自定义）", "cardholder", False, "keep_card", SRC_ACQ),
    ("C1", "Terminal not signed on (acquirer code)", "终端未签到（收单机构自定义）", "keys", False, "sign_on", SRC_ACQ),
    ("F0", "PIN pad setup failed: sign on again", "设置密码键盘失败，请重新签到", "keys", False, "pin_pad", SRC_CUP),
]

ISO8583 = [
    ("01", "Refer to card issuer", "查发卡行", "cardholder", False, "another_card", SRC_ISO),
    ("02", "Refer to card issuer's special conditions", "查发卡行的特殊条件", "cardholder", False, "another_card", SRC_ISO),
    ("03", "Invalid merchant", "无效商户", "merchant_restricted", False, "invalid_merchant", SRC_ISO),
    ("04", "Pick up card", "没收卡", "cardholder", False, "keep_card", SRC_ISO),
    ("05", "Do not honour", "不予承兑", "cardholder", True, "depends_on_cards", SRC_ISO),
    ("06", "Error", "出错", "host_outage", False, "host_unreachable", SRC_ISO),
    ("07", "Pick up card, special condition", "特殊条件下没收卡", "cardholder", False, "keep_card", SRC_ISO),
    ("12", "Invalid transaction", "无效交易", "config", False, "function", SRC_ISO),
    ("13", "Invalid amount", "无效金额", "config", False, "amount", SRC_ISO),
    ("14", "Invalid card number", "无效卡号", "cardholder", False, "another_card", SRC_ISO),
    ("15", "No such issuer", "无此发卡方", "config", False, "brand", SRC_ISO),
    ("19", "Re-enter transaction", "重新送入交易", "unknown", False, "retry_once", SRC_ISO),
    ("22", "Suspected malfunction", "怀疑操作有误", "keys", False, "sign_on", SRC_ISO),
    ("25", "Unable to locate record", "未能找到原始记录", "unknown", False, "original", SRC_ISO),
    ("30", "Format error", "格式错误", "config", False, "format", SRC_ISO),
    ("31", "Bank not supported by switch", "交换中心不支持的银行", "config", False, "brand", SRC_ISO),
    ("33", "Expired card", "过期的卡", "cardholder", False, "another_card", SRC_ISO),
    ("34", "Suspected fraud", "有作弊嫌疑", "cardholder", False, "keep_card", SRC_ISO),
    ("38", "Allowable PIN tries exceeded", "密码错误次数超限", "cardholder", False, "pin", SRC_ISO),
    ("40", "Requested function not supported", "请求的功能尚不支持", "config", False, "function", SRC_ISO),
    ("41", "Lost card", "挂失卡", "cardholder", False, "keep_card", SRC_ISO),
    ("43", "Stolen card", "被窃卡", "cardholder", False, "keep_card", SRC_ISO),
    ("51", "Not sufficient funds", "资金不足", "cardholder", False, "another_card", SRC_ISO),
    ("54", "Expired card", "过期的卡", "cardholder", False, "another_card", SRC_ISO),
    ("55", "Incorrect PIN", "密码错", "cardholder", False, "pin", SRC_ISO),
    ("57", "Transaction not permitted to cardholder", "不允许持卡人进行的交易", "cardholder", True, "depends_on_cards", SRC_ISO),
    ("58", "Transaction not permitted to terminal", "不允许终端进行的交易", "merchant_restricted", True, "not_permitted_terminal", SRC_ISO),
    ("59", "Suspected fraud", "有作弊嫌疑", "cardholder", True, "depends_on_cards", SRC_ISO),
    ("61", "Exceeds withdrawal amount limit", "超出金额限制", "cardholder", True, "limit", SRC_ISO),
    ("62", "Restricted card", "受限制的卡", "cardholder", True, "limit", SRC_ISO),
    ("63", "Security violation", "违反安全规定", "keys", False, "sign_on", SRC_ISO),
    ("64", "Original amount incorrect", "原始金额不正确", "unknown", False, "original", SRC_ISO),
    ("65", "Exceeds withdrawal frequency limit", "超出交易次数限制", "cardholder", True, "limit", SRC_ISO),
    ("68", "Response received too late", "收到的回答太迟", "network", False, "timeout", SRC_ISO),
    ("75", "Allowable number of PIN tries exceeded", "允许的输入密码次数超限", "cardholder", False, "pin", SRC_ISO),
    ("90", "Cutoff is in process", "日切正在处理", "host_outage", False, "host_wait", SRC_ISO),
    ("91", "Issuer or switch inoperative", "发卡方或交换中心不能操作", "host_outage", True, "host_unreachable", SRC_ISO),
    ("92", "Financial institution or intermediate network cannot be found for routing", "找不到或无法到达金融机构或中间网络", "host_outage", False, "host_unreachable", SRC_ISO),
    ("94", "Duplicate transmission", "重复交易", "unknown", False, "duplicate", SRC_ISO),
    ("96", "System malfunction", "系统故障", "host_outage", False, "host_wait", SRC_ISO),
    ("97", "Reserved for national use (some networks: MAC check error)", "保留给各国自定义（部分网络：MAC校验错）", "keys", False, "iso_97", SRC_ISO_97),
]

# Screen or notice text -> signal. Matched as a substring, any case (tickets.triage).
# (pattern, signal, note)
PATTERNS = [
    ("TAMPER", "tamper", "Physical tamper sensor tripped; keys erased. Always swap."),
    ("触发攻击", "tamper", "Tamper alert (Chinese terminals)."),
    ("安全攻击", "tamper", "Tamper alert (Chinese terminals)."),
    ("机具锁定", "tamper", "Terminal locked after a security event."),
    ("商户状态异常", "risk", "Merchant status restricted by the acquirer."),
    ("商户限制", "risk", "Merchant restricted."),
    ("商户异常", "risk", "Merchant flagged or suspended."),
    ("商户已冻结", "risk", "Merchant frozen."),
    ("商户冻结", "risk", "Merchant frozen."),
    ("暂缓结算", "risk", "Settlement held; sales may still work."),
    ("风控", "risk", "Acquirer risk control."),
    ("风险交易", "risk", "Transaction or merchant flagged as risky."),
    ("交易存在风险", "risk", "Transaction flagged as risky."),
    ("risk", "risk", "English risk notices."),
    ("终端未登记", "not_registered", "CUP 97 display."),
    ("终端号无效", "not_registered", "TID not valid."),
    ("无效终端", "not_registered", "TID not valid."),
    ("终端已注销", "not_registered", "TID deregistered."),
    ("终端未开通", "not_registered", "TID not activated."),
    ("商户未登记", "not_registered", "CUP 03 display."),
    ("无效商户", "not_registered", "CUP 03 display."),
    ("not registered", "not_registered", "English terminals."),
    ("移机", "relocation", "Terminal moved from its registered address."),
    ("位置异常", "relocation", "Location differs from the registered address."),
    ("定位异常", "relocation", "Location check failed."),
    ("超出使用范围", "relocation", "Outside the permitted area."),
    ("受限地区", "relocation", "Region not served."),
    ("relocat", "relocation", "English: relocated / relocation."),
    ("签到失败", "sign_on_failed", "Online sign-on failed."),
    ("签到通讯失败", "sign_on_failed", "Sign-on could not reach the host (also a network signal)."),
    ("未签到", "sign_on_failed", "Terminal not signed on."),
    ("请重新签到", "sign_on_failed", "Host asks for a new sign-on."),
    ("sign on", "sign_on_failed", "English: sign on failed / please sign on."),
    ("sign-on", "sign_on_failed", "English variant."),
    ("logon", "sign_on_failed", "English variant (logon failed)."),
    ("MAC校验错", "keys", "CUP A0 display."),
    ("MAC错", "keys", "MAC error."),
    ("MAC error", "keys", "English MAC error."),
    ("PIN格式错", "keys", "CUP 99 display."),
    ("密钥错", "keys", "Key error."),
    ("工作密钥", "keys", "Working-key download or check failed; re-sign-on."),
    ("TPK", "keys", "Terminal PIN key error."),
    ("key error", "keys", "English key error."),
    ("主密钥", "tms", "Master key (TMK) missing or not loaded; not self-fixable."),
    ("TMK", "tms", "Master key missing."),
    ("NOT READY", "tms", "TMS download interrupted."),
    ("参数下载", "tms", "Parameter download failed or pending."),
    ("未初始化", "tms", "Terminal not initialised."),
    ("TMS", "tms", "Terminal management system download."),
    ("连接失败", "network", "Cannot connect to the host."),
    ("无拨号音", "network", "Dial-up: no dial tone."),
    ("通讯失败", "network", "Communication failed."),
    ("通信失败", "network", "Communication failed."),
    ("请检查线路", "network", "Check the line."),
    ("无服务", "network", "No mobile service."),
    ("超时", "network", "Timed out."),
    ("no connection", "network", "English."),
    ("connection fail", "network", "English."),
    ("no dial tone", "network", "English."),
    ("timeout", "network", "English."),
    ("timed out", "network", "English."),
    ("SIM卡", "sim", "SIM card problem."),
    ("SIM card", "sim", "English."),
    ("no SIM", "sim", "English."),
    ("欠费", "sim", "SIM in arrears."),
    ("流量卡", "sim", "Data SIM expired or frozen."),
    ("物联网卡", "sim", "IoT SIM frozen (often after moving it to another device)."),
    ("休眠", "dormant", "Dormant terminal."),
    ("睡眠终端", "dormant", "Dormant terminal."),
    ("长时间未使用", "dormant", "Unused for a long time."),
    ("需重新激活", "dormant", "Needs reactivation."),
    ("dormant", "dormant", "English."),
]


def _rows():
    for scheme, table in (("cup", CUP), ("iso8583", ISO8583)):
        for code, meaning_en, meaning_zh, cause, depends, guidance, source in table:
            merchant_en, merchant_zh, support_en, support_zh = GUIDANCE[guidance]
            yield {
                "scheme": scheme,
                "code": code,
                "meaning_en": meaning_en,
                "meaning_zh": meaning_zh,
                "cause": cause,
                "depends_on_cards": depends,
                "merchant_guidance_en": merchant_en,
                "merchant_guidance_zh": merchant_zh,
                "support_guidance_en": support_en,
                "support_guidance_zh": support_zh,
                "source": source,
            }


def seed(apps, schema_editor):
    ResponseCode = apps.get_model("tickets", "ResponseCode")
    ScreenMessagePattern = apps.get_model("tickets", "ScreenMessagePattern")
    db = schema_editor.connection.alias
    existing = set(ResponseCode.objects.using(db).values_list("scheme", "code"))
    ResponseCode.objects.using(db).bulk_create(
        [ResponseCode(**row) for row in _rows() if (row["scheme"], row["code"]) not in existing]
    )
    known = {p.casefold() for p in ScreenMessagePattern.objects.using(db).values_list("pattern", flat=True)}
    ScreenMessagePattern.objects.using(db).bulk_create(
        [
            ScreenMessagePattern(pattern=pattern, signal=signal, note=note)
            for pattern, signal, note in PATTERNS
            if pattern.casefold() not in known
        ]
    )


def unseed(apps, schema_editor):
    ResponseCode = apps.get_model("tickets", "ResponseCode")
    ScreenMessagePattern = apps.get_model("tickets", "ScreenMessagePattern")
    db = schema_editor.connection.alias
    for scheme, table in (("cup", CUP), ("iso8583", ISO8583)):
        ResponseCode.objects.using(db).filter(
            scheme=scheme, code__in=[row[0] for row in table]
        ).delete()
    ScreenMessagePattern.objects.using(db).filter(
        pattern__in=[pattern for pattern, _signal, _note in PATTERNS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0002_intake_triage_conversation"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
