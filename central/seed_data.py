"""Vocabulary for the demo data generator: real area codes, mobile prefixes, a product catalogue,
campaigns, service summaries and churn reasons. Plain constants; `central.seed` draws from them.
"""

from __future__ import annotations

# (area code without trunk 0, city, population weight). Local numbers are 8 digits, first 2-8.
AREA_CODES: tuple[tuple[str, str, int], ...] = (
    ("10", "北京", 22),
    ("21", "上海", 25),
    ("20", "广州", 19),
    ("755", "深圳", 18),
    ("28", "成都", 21),
    ("23", "重庆", 32),
    ("22", "天津", 14),
    ("27", "武汉", 13),
    ("25", "南京", 9),
    ("29", "西安", 13),
    ("571", "杭州", 12),
    ("512", "苏州", 13),
    ("532", "青岛", 10),
    ("24", "沈阳", 9),
    ("731", "长沙", 10),
    ("371", "郑州", 13),
    ("551", "合肥", 9),
    ("591", "福州", 8),
    ("592", "厦门", 5),
    ("871", "昆明", 8),
    ("311", "石家庄", 11),
    ("531", "济南", 9),
    ("574", "宁波", 9),
    ("757", "佛山", 9),
    ("769", "东莞", 10),
)

# Real mainland mobile prefixes (China Mobile, Unicom, Telecom); numbers are prefix + 8 digits.
MOBILE_PREFIXES: tuple[str, ...] = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "147", "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "166", "170", "173", "176", "177", "178", "180", "181", "182", "183",
    "184", "185", "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip

EMAIL_DOMAINS: tuple[str, ...] = (
    "qq.com", "qq.com", "qq.com", "163.com", "163.com", "126.com", "sina.com",
    "foxmail.com", "139.com", "outlook.com", "gmail.com", "yeah.net",
)  # fmt: skip

TIERS: tuple[tuple[str, int], ...] = (("high_end", 5), ("important", 15), ("ordinary", 55), ("small", 25))

# (lifetime value threshold in fen, level) ascending.
MEMBERSHIP_LEVELS: tuple[tuple[int, str], ...] = (
    (0, "普通会员"),
    (100_000, "银卡会员"),
    (500_000, "金卡会员"),
    (2_000_000, "铂金会员"),
    (5_000_000, "钻石会员"),
)

# (sku, name, price in fen, premium?)
PRODUCTS: tuple[tuple[str, str, int, bool], ...] = (
    ("RV-X20", "扫地机器人 X20 Pro", 399_900, True),
    ("RV-S10", "扫拖一体机器人 S10", 249_900, True),
    ("AP-600", "空气净化器 AP-600", 329_900, True),
    ("AP-300", "空气净化器 AP-300", 159_900, False),
    ("WP-RO8", "反渗透净水器 RO-800G", 289_900, True),
    ("WP-F3", "净水器滤芯套装 F3", 39_900, False),
    ("HD-M1", "高速吹风机 M1", 129_900, False),
    ("HD-S2", "负离子吹风机 S2", 39_900, False),
    ("KT-17", "电热水壶 1.7L", 12_900, False),
    ("BL-P9", "破壁料理机 P9", 89_900, False),
    ("RC-IH5", "IH电饭煲 5L", 69_900, False),
    ("MW-23", "变频微波炉 23L", 59_900, False),
    ("DH-12", "除湿机 12L", 149_900, False),
    ("HF-H3", "加湿器 H3", 29_900, False),
    ("VC-V12", "无线吸尘器 V12", 229_900, True),
    ("VC-BAT", "吸尘器替换电池", 29_900, False),
    ("AP-FLT", "净化器 HEPA 滤网", 19_900, False),
    ("RV-KIT", "扫地机耗材包（边刷/滤网/拖布）", 9_900, False),
    ("DW-8S", "嵌入式洗碗机 8套", 399_900, True),
    ("FR-520", "十字对开门冰箱 520L", 699_900, True),
    ("WM-10", "滚筒洗衣机 10kg", 329_900, True),
    ("AC-15", "变频空调 1.5匹", 359_900, True),
    ("SP-W2", "智能音箱 W2", 19_900, False),
    ("TB-05", "电动牙刷 T5", 19_900, False),
)

ORDER_CHANNELS: tuple[str, ...] = ("天猫旗舰店", "京东自营", "官方商城", "抖音小店", "微信小程序", "线下门店")
CARRIERS: tuple[str, ...] = ("顺丰速运", "京东物流", "中通快递", "圆通速递", "韵达快递", "EMS")

CAMPAIGNS: tuple[str, ...] = (
    "双11狂欢节会员专享", "618年中大促", "新品试用招募", "生日关怀礼券", "滤芯更换提醒",
    "沉睡会员唤醒", "积分到期提醒", "春节焕新季", "以旧换新补贴", "会员日满减",
    "售后满意度回访", "延保服务推荐",
)  # fmt: skip
MARKETING_CHANNELS: tuple[str, ...] = ("sms", "wechat", "app_push", "email", "outbound_call")
# (response, weight); "" means no response data yet.
MARKETING_RESPONSES: tuple[tuple[str, int], ...] = (
    ("ignored", 48), ("opened", 25), ("clicked", 12), ("purchased", 6), ("unsubscribed", 2), ("", 7),
)  # fmt: skip

SERVICE_CHANNELS: tuple[str, ...] = ("phone", "phone", "phone", "chat", "wechat", "email")
# (kind, template, is complaint). {p} is a product name.
SERVICE_TEMPLATES: tuple[tuple[str, str, bool], ...] = (
    ("contact", "咨询{p}的使用方法", False),
    ("contact", "咨询{p}的保修期限", False),
    ("contact", "查询订单物流进度", False),
    ("contact", "咨询积分兑换规则", False),
    ("contact", "申请开具增值税发票", False),
    ("ticket", "{p}收到时外包装破损，申请换货", False),
    ("ticket", "申请{p}七天无理由退货", False),
    ("ticket", "投诉：快递延误一周未送达", True),
    ("ticket", "投诉：{p}安装师傅未按约定时间上门", True),
    ("ticket", "投诉：客服多次未回电", True),
    ("repair", "{p}无法开机，申请上门维修", False),
    ("repair", "{p}运行噪音异常，寄修检测", False),
    ("repair", "{p}显示故障代码 E3，远程指导后仍未恢复", False),
)

PHONE_LABELS = {"mobile": "本人手机", "mobile2": "工作手机", "home": "家庭座机", "office": "办公室座机"}

CHURN_NO_RECENT_PURCHASE = "近90天无购买"
CHURN_OPEN_COMPLAINT = "最近一次投诉未解决"
CHURN_POINTS_EXPIRING = "积分即将过期"
CHURN_REFUND = "近期有退款/退货"
CHURN_NO_RESPONSE = "营销触达多次无响应"
CHURN_DOWNGRADE = "会员等级即将降级"
