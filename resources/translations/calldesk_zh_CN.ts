<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AdminDesk</name>
    <message>
        <source>The user list could not be read: %1</source>
        <translation>无法读取用户列表：%1</translation>
    </message>
    <message>
        <source>User %1 added.</source>
        <translation>已添加用户 %1。</translation>
    </message>
    <message>
        <source>Changes to %1 saved.</source>
        <translation>已保存对 %1 的修改。</translation>
    </message>
    <message>
        <source>%1 can sign in again.</source>
        <translation>%1 可以重新登录了。</translation>
    </message>
    <message>
        <source>%1 is disabled and signed out.</source>
        <translation>%1 已停用并被登出。</translation>
    </message>
    <message>
        <source>The password of %1 is reset; their sessions are ended.</source>
        <translation>已重置 %1 的密码，其所有登录会话已结束。</translation>
    </message>
    <message>
        <source>&amp;Admin</source>
        <translation>管理(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Users…</source>
        <translation>用户(&amp;U)…</translation>
    </message>
</context>
<context>
    <name>AdminUsersDialog</name>
    <message>
        <source>Agent</source>
        <translation>坐席</translation>
    </message>
    <message>
        <source>Supervisor</source>
        <translation>班长</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>Type the new password first.</source>
        <translation>请先输入新密码。</translation>
    </message>
    <message>
        <source>A password needs at least %1 characters.</source>
        <translation>密码至少需要 %1 个字符。</translation>
    </message>
    <message>
        <source>Enter a user name.</source>
        <translation>请输入用户名。</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>已启用</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>显示名称</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Agent id</source>
        <translation>坐席工号</translation>
    </message>
    <message>
        <source>PBX interface</source>
        <translation>PBX 分机接口</translation>
    </message>
    <message>
        <source>Queues</source>
        <translation>队列</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>班组</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>User name:</source>
        <translation>用户名：</translation>
    </message>
    <message>
        <source>Display name:</source>
        <translation>显示名称：</translation>
    </message>
    <message>
        <source>Role:</source>
        <translation>角色：</translation>
    </message>
    <message>
        <source>Agent id:</source>
        <translation>坐席工号：</translation>
    </message>
    <message>
        <source>PBX interface:</source>
        <translation>PBX 分机接口：</translation>
    </message>
    <message>
        <source>Queues:</source>
        <translation>队列：</translation>
    </message>
    <message>
        <source>Team:</source>
        <translation>班组：</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>e.g. PJSIP/1001 or 1001@default</source>
        <translation>例如 PJSIP/1001 或 1001@default</translation>
    </message>
    <message>
        <source>e.g. sales, service</source>
        <translation>例如 sales, service</translation>
    </message>
    <message>
        <source>8 characters or more</source>
        <translation>至少 8 个字符</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>账号</translation>
    </message>
    <message>
        <source>New user</source>
        <translation>新建用户</translation>
    </message>
    <message>
        <source>Add user</source>
        <translation>添加用户</translation>
    </message>
    <message>
        <source>Save changes</source>
        <translation>保存修改</translation>
    </message>
    <message>
        <source>Reset password</source>
        <translation>重置密码</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
</context>
<context>
    <name>AgentActions</name>
    <message>
        <source>The CTI source is down: supervisor actions cannot reach the PBX.</source>
        <translation>CTI 来源已断开：班长操作无法送达电话交换机。</translation>
    </message>
    <message>
        <source>Select an agent in the grid first.</source>
        <translation>请先在坐席列表中选择一名坐席。</translation>
    </message>
    <message>
        <source>%1 has no call to listen to, whisper to or barge into.</source>
        <translation>%1 当前没有通话，无法监听、耳语或强插。</translation>
    </message>
    <message>
        <source>%1 is logged out.</source>
        <translation>%1 已签出。</translation>
    </message>
    <message>
        <source>%1 is ready already.</source>
        <translation>%1 已处于就绪状态。</translation>
    </message>
    <message>
        <source>%1 is already paused.</source>
        <translation>%1 已处于未就绪状态。</translation>
    </message>
    <message>
        <source>Listen to %1&apos;s call on your phone (they do not hear you)</source>
        <translation>用您的话机监听 %1 的通话（对方听不到您）</translation>
    </message>
    <message>
        <source>Speak to %1 only; the caller does not hear you</source>
        <translation>只对 %1 说话，客户听不到您</translation>
    </message>
    <message>
        <source>Join %1&apos;s call: both sides hear you</source>
        <translation>加入 %1 的通话：双方都能听到您</translation>
    </message>
    <message>
        <source>Make %1 ready for calls</source>
        <translation>将 %1 置为就绪，可接听来电</translation>
    </message>
    <message>
        <source>Make %1 not ready, with the reason beside</source>
        <translation>将 %1 置为未就绪，原因见右侧</translation>
    </message>
    <message>
        <source>&amp;Listen</source>
        <translation>监听(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Whisper</source>
        <translation>耳语(&amp;W)</translation>
    </message>
    <message>
        <source>&amp;Barge in</source>
        <translation>强插(&amp;B)</translation>
    </message>
    <message>
        <source>Force &amp;ready</source>
        <translation>强制就绪(&amp;R)</translation>
    </message>
    <message>
        <source>Force &amp;not ready</source>
        <translation>强制未就绪(&amp;N)</translation>
    </message>
    <message>
        <source>break</source>
        <translation>小休</translation>
    </message>
    <message>
        <source>lunch</source>
        <translation>午餐</translation>
    </message>
    <message>
        <source>training</source>
        <translation>培训</translation>
    </message>
    <message>
        <source>meeting</source>
        <translation>会议</translation>
    </message>
    <message>
        <source>after-call work</source>
        <translation>话后处理</translation>
    </message>
    <message>
        <source>Reason for Force not ready</source>
        <translation>强制未就绪的原因</translation>
    </message>
</context>
<context>
    <name>AgentDayDialog</name>
    <message>
        <source>Today: {agent}</source>
        <translation>今日：{agent}</translation>
    </message>
    <message>
        <source>From</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>To</source>
        <translation>结束</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>now</source>
        <translation>现在</translation>
    </message>
</context>
<context>
    <name>AgentDesk</name>
    <message>
        <source>refused by the PBX</source>
        <translation>被交换机拒绝</translation>
    </message>
    <message>
        <source>no CTI connection</source>
        <translation>没有 CTI 连接</translation>
    </message>
</context>
<context>
    <name>AgentGrid</name>
    <message>
        <source>Team:</source>
        <translation>班组：</translation>
    </message>
    <message>
        <source>Queue:</source>
        <translation>队列：</translation>
    </message>
    <message>
        <source>All teams</source>
        <translation>全部班组</translation>
    </message>
    <message>
        <source>All queues</source>
        <translation>全部队列</translation>
    </message>
</context>
<context>
    <name>AgentStatePanel</name>
    <message>
        <source>Not changed: %1</source>
        <translation>未更改：%1</translation>
    </message>
    <message>
        <source>Save the contact log of your last call before going Ready.</source>
        <translation>请先保存上一通电话的联络记录，再切换为就绪。</translation>
    </message>
    <message>
        <source>Break</source>
        <translation>休息</translation>
    </message>
    <message>
        <source>Lunch</source>
        <translation>午餐</translation>
    </message>
    <message>
        <source>Meeting</source>
        <translation>会议</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>培训</translation>
    </message>
    <message>
        <source>After-call work</source>
        <translation>话后处理</translation>
    </message>
    <message>
        <source>Not ready: %1</source>
        <translation>未就绪：%1</translation>
    </message>
    <message>
        <source>Not ready</source>
        <translation>未就绪</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>Talking</source>
        <translation>通话中</translation>
    </message>
    <message>
        <source>Wrap-up</source>
        <translation>话后整理</translation>
    </message>
    <message>
        <source>Logged out</source>
        <translation>已签出</translation>
    </message>
    <message>
        <source>→ %1 (waiting for the PBX…)</source>
        <translation>→ %1（等待交换机确认…）</translation>
    </message>
    <message>
        <source>Not ready with the reason on the left</source>
        <translation>以左侧原因置为未就绪</translation>
    </message>
    <message>
        <source>Your state as the PBX reports it, and for how long</source>
        <translation>交换机报告的您的状态及持续时间</translation>
    </message>
</context>
<context>
    <name>AgentTableModel</name>
    <message>
        <source>Agent</source>
        <translation>坐席</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>班组</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Time in state</source>
        <translation>状态时长</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>来电号码</translation>
    </message>
    <message>
        <source>Call duration</source>
        <translation>通话时长</translation>
    </message>
    <message>
        <source>Calls handled</source>
        <translation>已处理来电</translation>
    </message>
    <message>
        <source>Occupancy</source>
        <translation>占用率</translation>
    </message>
    <message>
        <source>withheld</source>
        <translation>隐藏号码</translation>
    </message>
</context>
<context>
    <name>Banner</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>CallBar</name>
    <message>
        <source>No call</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>Ready: the caller&apos;s card pops here when a call rings.</source>
        <translation>就绪：来电时将自动弹出客户资料。</translation>
    </message>
    <message>
        <source>Ringing</source>
        <translation>振铃中</translation>
    </message>
    <message>
        <source>Calling</source>
        <translation>呼叫中</translation>
    </message>
    <message>
        <source>On hold</source>
        <translation>保持中</translation>
    </message>
    <message>
        <source>Consulting</source>
        <translation>咨询中</translation>
    </message>
    <message>
        <source>Conference</source>
        <translation>三方会议中</translation>
    </message>
    <message>
        <source>On call</source>
        <translation>通话中</translation>
    </message>
    <message>
        <source>Withheld number</source>
        <translation>号码未显示</translation>
    </message>
    <message>
        <source>Hotline: %1</source>
        <translation>热线：%1</translation>
    </message>
    <message>
        <source>Queue: %1</source>
        <translation>队列：%1</translation>
    </message>
</context>
<context>
    <name>CallControlBar</name>
    <message>
        <source>%1: done. %2</source>
        <translation>%1：已完成。%2</translation>
    </message>
    <message>
        <source>%1 failed: the PBX link is down (%2)</source>
        <translation>%1 失败：与交换机的连接已断开（%2）</translation>
    </message>
    <message>
        <source>%1 is not possible on this PBX: %2</source>
        <translation>此交换机无法执行%1：%2</translation>
    </message>
    <message>
        <source>%1 refused: %2</source>
        <translation>%1 被拒绝：%2</translation>
    </message>
    <message>
        <source>%1: the PBX did not answer within %2 s; check the phone before trying again</source>
        <translation>%1：交换机 %2 秒内未应答；请先检查话机再重试</translation>
    </message>
    <message>
        <source>Transfer the caller to:</source>
        <translation>将来电转接至：</translation>
    </message>
    <message>
        <source>Consult (attended transfer) with:</source>
        <translation>咨询（协商转接）对象：</translation>
    </message>
    <message>
        <source>Call back %1 once this call has ended (Dial, %2)</source>
        <translation>本通话结束后回拨 %1（拨号，%2）</translation>
    </message>
    <message>
        <source>%1: waiting for the PBX…</source>
        <translation>%1：等待交换机…</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>接听</translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation>挂断</translation>
    </message>
    <message>
        <source>Hold</source>
        <translation>保持</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>静音</translation>
    </message>
    <message>
        <source>Transfer</source>
        <translation>转接</translation>
    </message>
    <message>
        <source>Consult</source>
        <translation>咨询</translation>
    </message>
    <message>
        <source>Complete transfer</source>
        <translation>完成转接</translation>
    </message>
    <message>
        <source>Swap</source>
        <translation>切换</translation>
    </message>
    <message>
        <source>Cancel consult</source>
        <translation>取消咨询</translation>
    </message>
    <message>
        <source>Conference</source>
        <translation>三方会议</translation>
    </message>
    <message>
        <source>Keypad</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>Dial</source>
        <translation>拨号</translation>
    </message>
    <message>
        <source>there is no call</source>
        <translation>当前没有通话</translation>
    </message>
    <message>
        <source>the call is ringing</source>
        <translation>来电正在振铃</translation>
    </message>
    <message>
        <source>your outbound call is ringing</source>
        <translation>您的外呼正在振铃</translation>
    </message>
    <message>
        <source>you are talking</source>
        <translation>您正在通话</translation>
    </message>
    <message>
        <source>the caller is on hold</source>
        <translation>来电方处于保持状态</translation>
    </message>
    <message>
        <source>you are consulting</source>
        <translation>您正在咨询</translation>
    </message>
    <message>
        <source>you are in a conference</source>
        <translation>您正在三方会议中</translation>
    </message>
    <message>
        <source>Not available: %1</source>
        <translation>现在不可用：%1</translation>
    </message>
    <message>
        <source>The PBX cannot do this: %1</source>
        <translation>交换机无法执行此操作：%1</translation>
    </message>
    <message>
        <source>Waiting for the PBX…</source>
        <translation>等待交换机…</translation>
    </message>
</context>
<context>
    <name>CallsDesk</name>
    <message>
        <source>no CTI connection</source>
        <translation>没有 CTI 连接</translation>
    </message>
</context>
<context>
    <name>CallsTodayTable</name>
    <message>
        <source>Withheld number</source>
        <translation>号码未显示</translation>
    </message>
    <message>
        <source>%1 (%2 customers)</source>
        <translation>%1（%2 位客户）</translation>
    </message>
    <message>
        <source>In</source>
        <translation>呼入</translation>
    </message>
    <message>
        <source>Out</source>
        <translation>呼出</translation>
    </message>
    <message>
        <source>Calls today</source>
        <translation>今日通话</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>The customer&apos;s card, a new-caller page, or the search</source>
        <translation>打开客户卡片、新来电页面或搜索</translation>
    </message>
    <message>
        <source>Call back</source>
        <translation>回拨</translation>
    </message>
</context>
<context>
    <name>Columns</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>来电方</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Order no.</source>
        <translation>订单号</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Ticket no.</source>
        <translation>工单号</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Items</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Logistics</source>
        <translation>物流</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>内容摘要</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Campaign</source>
        <translation>营销活动</translation>
    </message>
    <message>
        <source>Response</source>
        <translation>客户响应</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>客户等级</translation>
    </message>
    <message>
        <source>Membership</source>
        <translation>会员等级</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Last order</source>
        <translation>最近下单</translation>
    </message>
    <message>
        <source>Last contact</source>
        <translation>最近联系</translation>
    </message>
</context>
<context>
    <name>ConflictsDialog</name>
    <message>
        <source>Sync conflicts</source>
        <translation>同步冲突</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>My version</source>
        <translation>我的版本</translation>
    </message>
    <message>
        <source>Server version</source>
        <translation>服务器版本</translation>
    </message>
    <message>
        <source>Re-apply my version</source>
        <translation>重新提交我的版本</translation>
    </message>
    <message>
        <source>Keep server version</source>
        <translation>保留服务器版本</translation>
    </message>
    <message>
        <source>The conflict list could not be read: %1</source>
        <translation>无法读取冲突列表：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n write(s) need your decision.</source>
        <translation>
            <numerusform>有 %n 条更改需要您决定。</numerusform>
        </translation>
    </message>
    <message>
        <source>No conflicts: every write reached the server.</source>
        <translation>没有冲突：所有更改都已送达服务器。</translation>
    </message>
    <message>
        <source>Could not re-apply: %1</source>
        <translation>无法重新提交：%1</translation>
    </message>
    <message>
        <source>Could not dismiss: %1</source>
        <translation>无法忽略：%1</translation>
    </message>
</context>
<context>
    <name>CtiDesk</name>
    <message>
        <source>The CTI socket could not start on port %1: %2. Calls will not pop until it is fixed in Settings.</source>
        <translation>CTI 接口无法在端口 %1 上启动：%2。在“设置”中修复之前，来电将无法弹屏。</translation>
    </message>
    <message>
        <source>The CTI bridge address in Settings is not usable (%1): calls will not pop.</source>
        <translation>设置中的 CTI 网桥地址不可用（%1）：来电将不会弹屏。</translation>
    </message>
    <message>
        <source>CTI bridge %1: connecting</source>
        <translation>CTI 网桥 %1：正在连接</translation>
    </message>
    <message>
        <source>CTI bridge %1: connected</source>
        <translation>CTI 网桥 %1：已连接</translation>
    </message>
    <message>
        <source>CTI bridge %1: disconnected</source>
        <translation>CTI 网桥 %1：已断开</translation>
    </message>
    <message>
        <source>The CTI bridge is not reachable: calls will not pop until it is back. (%1)</source>
        <translation>无法连接 CTI 网桥：恢复之前来电不会弹屏。（%1）</translation>
    </message>
    <message>
        <source>CTI bridge %1: sign in again</source>
        <translation>CTI 网桥 %1：需要重新登录</translation>
    </message>
    <message>
        <source>The CTI bridge needs a new sign-in: calls will not pop until you sign in again.</source>
        <translation>CTI 网桥要求重新登录：重新登录之前来电不会弹屏。</translation>
    </message>
    <message>
        <source>CTI bridge %1: signed in on another PC</source>
        <translation>CTI 网桥 %1：已在另一台电脑上登录</translation>
    </message>
    <message>
        <source>You signed in on another PC: calls now pop there, not here.</source>
        <translation>您已在另一台电脑上登录：来电现在在那台电脑上弹屏，不在这里。</translation>
    </message>
    <message>
        <source>CTI bridge not connected</source>
        <translation>CTI 网桥未连接</translation>
    </message>
    <message>
        <source>no CTI source connected</source>
        <translation>没有已连接的 CTI 来源</translation>
    </message>
    <message>
        <source>PBX disconnected: %1</source>
        <translation>电话交换机已断开：%1</translation>
    </message>
    <message>
        <source>CTI bridge %1</source>
        <translation>CTI 网桥 %1</translation>
    </message>
    <message>
        <source>The telephone system is connected again.</source>
        <translation>电话系统已重新连接。</translation>
    </message>
    <message>
        <source>PBX disconnected: calls will not pop until the telephone system is back. (%1)</source>
        <translation>交换机（PBX）已断开：电话系统恢复前来电不会弹屏。（%1）</translation>
    </message>
    <message>
        <source>There is no ringing call to answer.</source>
        <translation>当前没有可接听的来电。</translation>
    </message>
    <message>
        <source>Cannot send the command: no CTI connection.</source>
        <translation>无法发送指令：没有 CTI 连接。</translation>
    </message>
    <message>
        <source>The telephone system refused: %1</source>
        <translation>电话系统拒绝了该操作：%1</translation>
    </message>
</context>
<context>
    <name>CtiSettingsGroup</name>
    <message>
        <source>CTI</source>
        <translation>CTI</translation>
    </message>
    <message>
        <source>This PC&apos;s CTI socket</source>
        <translation>本机 CTI 接口</translation>
    </message>
    <message>
        <source>CTI bridge</source>
        <translation>CTI 网桥</translation>
    </message>
    <message>
        <source>Calls come from</source>
        <translation>来电来源</translation>
    </message>
    <message>
        <source>Bridge address</source>
        <translation>网桥地址</translation>
    </message>
    <message>
        <source>CA file</source>
        <translation>CA 证书文件</translation>
    </message>
    <message>
        <source>Socket token</source>
        <translation>接口令牌</translation>
    </message>
    <message>
        <source>host:port (port 5013 if left out)</source>
        <translation>主机:端口（不填端口则为 5013）</translation>
    </message>
    <message>
        <source>Encrypt the bridge connection (TLS)</source>
        <translation>加密网桥连接（TLS）</translation>
    </message>
    <message>
        <source>empty: the system&apos;s certificates</source>
        <translation>留空：使用系统证书</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>What local tools must send to this PC&apos;s CTI socket</source>
        <translation>本机工具连接 CTI 接口时需要提供的令牌</translation>
    </message>
</context>
<context>
    <name>CustomerCardView</name>
    <message>
        <source>Details not available: %1</source>
        <translation>详细信息暂不可用：%1</translation>
    </message>
    <message>
        <source>Details not available.</source>
        <translation>详细信息暂不可用。</translation>
    </message>
    <message>
        <source>no reason recorded</source>
        <translation>未记录原因</translation>
    </message>
    <message>
        <source>Churn risk %1% — %2. Try to retain this customer.</source>
        <translation>流失风险 %1%：%2。请注意挽留该客户。</translation>
    </message>
    <message>
        <source>(no number)</source>
        <translation>（无号码）</translation>
    </message>
    <message>
        <source>%1 customers share this number. Who is calling?</source>
        <translation>此号码关联了 %1 位客户，请确认来电人是哪一位。</translation>
    </message>
    <message>
        <source>No customer on screen</source>
        <translation>当前未打开客户</translation>
    </message>
    <message>
        <source>The caller&apos;s card appears here when a call rings. Press Ctrl+F to search for a customer.</source>
        <translation>来电时此处将自动弹出客户资料。按 Ctrl+F 搜索客户。</translation>
    </message>
    <message>
        <source>Phone:</source>
        <translation>电话：</translation>
    </message>
    <message>
        <source>Points:</source>
        <translation>积分：</translation>
    </message>
    <message>
        <source>Lifetime value:</source>
        <translation>累计消费：</translation>
    </message>
    <message>
        <source>Call back</source>
        <translation>回拨</translation>
    </message>
    <message>
        <source>Dial the customer&apos;s first number (dial pad, Ctrl+Shift+D)</source>
        <translation>拨打客户的第一个号码（拨号盘，Ctrl+Shift+D）</translation>
    </message>
    <message>
        <source>Reveal number</source>
        <translation>显示完整号码</translation>
    </message>
    <message>
        <source>Show the numbers in full; the audit log records it (Ctrl+Shift+R)</source>
        <translation>显示完整号码；此操作会记入审计日志（Ctrl+Shift+R）</translation>
    </message>
    <message>
        <source>Cached data, may be out of date (offline)</source>
        <translation>缓存数据，可能不是最新（离线）</translation>
    </message>
    <message>
        <source>New caller</source>
        <translation>新来电客户</translation>
    </message>
    <message>
        <source>This number is not linked to any customer. Create a customer, or search if the caller already has an account under another number.</source>
        <translation>该号码未关联任何客户。请新建客户；如来电人已用其他号码注册，请先搜索。</translation>
    </message>
    <message>
        <source>Create customer</source>
        <translation>新建客户</translation>
    </message>
    <message>
        <source>Search customers</source>
        <translation>搜索客户</translation>
    </message>
    <message>
        <source>Press Enter or double-click to open the customer&apos;s card.</source>
        <translation>按回车键或双击打开客户资料。</translation>
    </message>
    <message>
        <source>Number withheld</source>
        <translation>来电号码未显示</translation>
    </message>
    <message>
        <source>The caller&apos;s number is hidden. Ask for their name, phone number or order number and search.</source>
        <translation>来电号码已隐藏。请询问客户的姓名、手机号或订单号后搜索。</translation>
    </message>
    <message>
        <source>Search (Ctrl+F)</source>
        <translation>搜索 (Ctrl+F)</translation>
    </message>
</context>
<context>
    <name>CustomerDesk</name>
    <message>
        <source>Outbound call</source>
        <translation>外呼</translation>
    </message>
    <message>
        <source>Could not load the customer&apos;s details: %1</source>
        <translation>无法加载客户详细资料：%1</translation>
    </message>
    <message>
        <source>Search failed: %1</source>
        <translation>搜索失败：%1</translation>
    </message>
    <message>
        <source>Customer %1 is not in the local cache.</source>
        <translation>本地缓存中没有客户 %1。</translation>
    </message>
    <message>
        <source>The number was not revealed: %1</source>
        <translation>未能显示完整号码：%1</translation>
    </message>
    <message>
        <source>Revealing a number needs the central server, which cannot be reached now.</source>
        <translation>显示完整号码需要连接中心服务器，目前无法连接。</translation>
    </message>
    <message>
        <source>Customer %1 does not exist on the server.</source>
        <translation>服务器上不存在客户 %1。</translation>
    </message>
</context>
<context>
    <name>CustomerWorkTab</name>
    <message>
        <source>No tickets or contact logs for this customer</source>
        <translation>该客户暂无工单或联络记录</translation>
    </message>
</context>
<context>
    <name>DamagedCacheDialog</name>
    <message>
        <source>The local cache is damaged</source>
        <translation>本地缓存已损坏</translation>
    </message>
    <message>
        <source>CallDesk cannot use its local cache: the file is damaged (%1). Rebuild cache deletes it and downloads the customers again; your unsent tickets, contact logs and other changes are kept and sent to the CRM server.</source>
        <translation>CallDesk 无法使用本地缓存：文件已损坏（%1）。“重建缓存”会删除该文件并重新下载客户资料；您尚未发送的工单、联络记录和其他更改都会保留，并发送到 CRM 服务器。</translation>
    </message>
    <message>
        <source>Cache file: %1</source>
        <translation>缓存文件：%1</translation>
    </message>
    <message>
        <source>Rebuild cache</source>
        <translation>重建缓存</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>The cache could not be rebuilt (%1). Your unsent changes are kept in %2.</source>
        <translation>缓存未能重建（%1）。您尚未发送的更改保存在 %2。</translation>
    </message>
</context>
<context>
    <name>DesktopApp</name>
    <message>
        <source>CallDesk could not start: %1
Details are in %2</source>
        <translation>CallDesk 无法启动：%1
详细信息见 %2</translation>
    </message>
    <message>
        <source>The local cache is NOT encrypted although encryption is switched on: %1. Ask your administrator.</source>
        <translation>虽然已开启加密，本地缓存仍未加密：%1。请联系管理员。</translation>
    </message>
    <message>
        <source>No secure credential store is available on this system: the CTI token is temporary and CTI sources must be given the new one after every restart.</source>
        <translation>本机没有可用的安全凭据存储：CTI 令牌仅为临时令牌，每次重启后都需要把新令牌提供给 CTI 来源。</translation>
    </message>
</context>
<context>
    <name>DetailTabs</name>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Tickets &amp;&amp; contacts</source>
        <translation>工单与联络</translation>
    </message>
    <message>
        <source>No orders</source>
        <translation>暂无订单</translation>
    </message>
    <message>
        <source>No points activity</source>
        <translation>暂无积分记录</translation>
    </message>
    <message>
        <source>No service history</source>
        <translation>暂无服务记录</translation>
    </message>
    <message>
        <source>No marketing contacts</source>
        <translation>暂无营销记录</translation>
    </message>
    <message>
        <source>Loading older history…</source>
        <translation>正在加载更早的记录…</translation>
    </message>
    <message>
        <source>Older history not available offline</source>
        <translation>离线时无法获取更早的记录</translation>
    </message>
    <message>
        <source>Older history could not be loaded: %1</source>
        <translation>无法加载更早的记录：%1</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>订单</translation>
    </message>
    <message>
        <source>Points ledger</source>
        <translation>积分明细</translation>
    </message>
    <message>
        <source>Service history</source>
        <translation>服务记录</translation>
    </message>
    <message>
        <source>Marketing</source>
        <translation>营销记录</translation>
    </message>
</context>
<context>
    <name>DialPad</name>
    <message>
        <source>Number to call</source>
        <translation>要拨打的号码</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>呼叫</translation>
    </message>
</context>
<context>
    <name>DtmfPad</name>
    <message>
        <source>Keypad: each key is sent to the call at once</source>
        <translation>按键：每个按键立即发送到通话中</translation>
    </message>
</context>
<context>
    <name>ExportDayDialog</name>
    <message>
        <source>Export day to CSV</source>
        <translation>导出某日数据为 CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Choose a file to export to.</source>
        <translation>请选择要导出到的文件。</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <source>Day:</source>
        <translation>日期：</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Queue statistics per 15 minutes go to this file; the agents&apos; state intervals to a second file beside it, ending in -agents.csv.</source>
        <translation>每 15 分钟的队列统计写入此文件；坐席状态时段写入同目录下以 -agents.csv 结尾的第二个文件。</translation>
    </message>
</context>
<context>
    <name>KnowledgeDialog</name>
    <message>
        <source>Knowledge base</source>
        <translation>知识库</translation>
    </message>
</context>
<context>
    <name>KnowledgePanel</name>
    <message>
        <source>Search failed: %1</source>
        <translation>搜索失败：%1</translation>
    </message>
    <message>
        <source>Offline: showing articles seen earlier.</source>
        <translation>离线：显示之前查看过的文章。</translation>
    </message>
    <message>
        <source>%1 articles</source>
        <translation>%1 篇文章</translation>
    </message>
    <message>
        <source>Knowledge base</source>
        <translation>知识库</translation>
    </message>
    <message>
        <source>Search FAQ (e.g. 保修, 退货)</source>
        <translation>搜索常见问题（如：保修、退货）</translation>
    </message>
    <message>
        <source>Link article to ticket</source>
        <translation>关联到工单</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Enter your user name.</source>
        <translation>请输入用户名。</translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation>请输入密码。</translation>
    </message>
    <message>
        <source>This address is not encrypted (http://). Use https://: plain http is only allowed to this computer unless your administrator allows it.</source>
        <translation>该地址未加密（http://）。请使用 https://：除非管理员允许，否则只能对本机使用明文 http。</translation>
    </message>
    <message>
        <source>Warning: this address is not encrypted (http). Use https outside a test setup.</source>
        <translation>警告：该地址未加密（http）。除测试环境外请使用 https。</translation>
    </message>
    <message>
        <source>Enter the CRM server address, for example https://crm.example.com.</source>
        <translation>请输入 CRM 服务器地址，例如 https://crm.example.com。</translation>
    </message>
    <message>
        <source>The server address must start with https:// and name a host, for example https://crm.example.com.</source>
        <translation>服务器地址须以 https:// 开头并包含主机名，例如 https://crm.example.com。</translation>
    </message>
    <message>
        <source>Sign in to CallDesk</source>
        <translation>登录 CallDesk</translation>
    </message>
    <message>
        <source>CRM server:</source>
        <translation>CRM 服务器：</translation>
    </message>
    <message>
        <source>User name:</source>
        <translation>用户名：</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>Remember me on this computer</source>
        <translation>在此电脑上记住我</translation>
    </message>
    <message>
        <source>No secure password store was found on this computer, so CallDesk cannot remember your sign-in: you will sign in each time, and offline sign-in is not available. To remember it, install and unlock a keyring (GNOME Keyring, KWallet), or ask your administrator.</source>
        <translation>本机未找到安全密码存储，CallDesk 无法记住您的登录：每次都需要重新登录，也无法离线登录。如需记住登录，请安装并解锁密钥环（GNOME Keyring、KWallet），或联系管理员。</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Incoming call: %1</source>
        <translation>来电：%1</translation>
    </message>
    <message>
        <source>Incoming call</source>
        <translation>有新来电</translation>
    </message>
    <message>
        <source>CallDesk</source>
        <translation>CallDesk 坐席工作台</translation>
    </message>
    <message>
        <source>Calls</source>
        <translation>来电</translation>
    </message>
    <message>
        <source>&amp;Conflicts… (%1)</source>
        <translation>冲突(&amp;C)…（%1）</translation>
    </message>
    <message>
        <source>About CallDesk</source>
        <translation>关于 CallDesk</translation>
    </message>
    <message>
        <source>CallDesk: the call-centre agent desktop.
Screen pop, customer card, tickets and contact log, working from a local cache when the network is down.</source>
        <translation>CallDesk：呼叫中心坐席工作台。
来电弹屏、客户资料、工单与联络记录；网络中断时使用本地缓存继续工作。</translation>
    </message>
    <message>
        <source>CallDesk — Agent desktop</source>
        <translation>CallDesk — 坐席工作台</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Call</source>
        <translation>通话(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Sync</source>
        <translation>同步(&amp;S)</translation>
    </message>
    <message>
        <source>Sync &amp;now</source>
        <translation>立即同步(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>Sign &amp;out</source>
        <translation>退出登录(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;About CallDesk</source>
        <translation>关于 CallDesk(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Find customer</source>
        <translation>查找客户(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Answer call</source>
        <translation>接听来电(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;New ticket</source>
        <translation>新建工单(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Knowledge base…</source>
        <translation>知识库(&amp;K)…</translation>
    </message>
    <message>
        <source>&amp;Log contact</source>
        <translation>填写联络记录(&amp;L)</translation>
    </message>
</context>
<context>
    <name>MissedCallsCount</name>
    <message>
        <source>Missed: %1</source>
        <translation>未接：%1</translation>
    </message>
    <message>
        <source>Missed calls of your queues you have not seen yet</source>
        <translation>您所在队列中尚未查看的未接来电</translation>
    </message>
</context>
<context>
    <name>MissedCallsDesk</name>
    <message>
        <source>Missed calls</source>
        <translation>未接来电</translation>
    </message>
</context>
<context>
    <name>MissedCallsView</name>
    <message>
        <source>Withheld number</source>
        <translation>号码未显示</translation>
    </message>
    <message>
        <source>Hung up waiting</source>
        <translation>等待中挂断</translation>
    </message>
    <message>
        <source>Not answered</source>
        <translation>无人接听</translation>
    </message>
    <message>
        <source>The caller withheld the number</source>
        <translation>来电方隐藏了号码</translation>
    </message>
    <message>
        <source>Missed calls (%1 new)</source>
        <translation>未接来电（%1 条新）</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>来电方</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>队列</translation>
    </message>
    <message>
        <source>Waited</source>
        <translation>等待时长</translation>
    </message>
    <message>
        <source>What happened</source>
        <translation>情况</translation>
    </message>
    <message>
        <source>Call back</source>
        <translation>回拨</translation>
    </message>
    <message>
        <source>Mark seen</source>
        <translation>标为已读</translation>
    </message>
    <message>
        <source>Mark all seen</source>
        <translation>全部标为已读</translation>
    </message>
</context>
<context>
    <name>MyWorkPanel</name>
    <message>
        <source>My work</source>
        <translation>我的工作</translation>
    </message>
    <message>
        <source>Handed off</source>
        <translation>已转交</translation>
    </message>
    <message>
        <source>(all)</source>
        <translation>（全部）</translation>
    </message>
    <message>
        <source>My open tickets (%1)</source>
        <translation>我的未结工单（%1）</translation>
    </message>
    <message>
        <source>Team queue (%1)</source>
        <translation>组队列（%1）</translation>
    </message>
    <message>
        <source>Overdue (%1)</source>
        <translation>已超时（%1）</translation>
    </message>
    <message>
        <source>Ticket</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>SLA</source>
        <translation>时限</translation>
    </message>
    <message>
        <source>Filter by id, customer or model</source>
        <translation>按工单号、客户或型号筛选</translation>
    </message>
</context>
<context>
    <name>NewCustomerDialog</name>
    <message>
        <source>Enter the customer&apos;s name.</source>
        <translation>请输入客户姓名。</translation>
    </message>
    <message>
        <source>The name is too long (at most %1 characters).</source>
        <translation>姓名过长（最多 %1 个字符）。</translation>
    </message>
    <message>
        <source>Enter a phone number that can be dialled, e.g. 138 0013 8000.</source>
        <translation>请输入可拨打的电话号码，例如 138 0013 8000。</translation>
    </message>
    <message>
        <source>The customer could not be saved: %1</source>
        <translation>客户未能保存：%1</translation>
    </message>
    <message>
        <source>New customer</source>
        <translation>新建客户</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>姓名：</translation>
    </message>
    <message>
        <source>Phone:</source>
        <translation>电话：</translation>
    </message>
    <message>
        <source>Saved on this computer at once and sent to the CRM server when it can be reached.</source>
        <translation>立即保存在本机，连上 CRM 服务器后自动上传。</translation>
    </message>
</context>
<context>
    <name>OverdueBadge</name>
    <message>
        <source>Overdue tickets: %1</source>
        <translation>超时工单：%1</translation>
    </message>
    <message>
        <source>Open tickets the central server escalated to a supervisor</source>
        <translation>中心服务器已升级给班长的未完结工单</translation>
    </message>
</context>
<context>
    <name>QueueHistoryDesk</name>
    <message>
        <source>Today&apos;s earlier figures could not be loaded (%1); the panel counts from now.</source>
        <translation>无法加载今日此前的数据（%1）；面板从现在开始计数。</translation>
    </message>
    <message>
        <source>Not exported: %1</source>
        <translation>未导出：%1</translation>
    </message>
    <message>
        <source>Not exported: the file could not be written (%1).</source>
        <translation>未导出：无法写入文件（%1）。</translation>
    </message>
    <message>
        <source>Exported %1 to %2 and %3.</source>
        <translation>已将 %1 的数据导出到 %2 和 %3。</translation>
    </message>
</context>
<context>
    <name>QueuePanel</name>
    <message>
        <source>Queue</source>
        <translation>队列</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>排队数</translation>
    </message>
    <message>
        <source>Longest wait</source>
        <translation>最长等待</translation>
    </message>
    <message>
        <source>Offered</source>
        <translation>呼入量</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>接通</translation>
    </message>
    <message>
        <source>Abandoned</source>
        <translation>放弃</translation>
    </message>
    <message>
        <source>Timed out</source>
        <translation>超时未接</translation>
    </message>
    <message>
        <source>SL</source>
        <translation>服务水平</translation>
    </message>
    <message>
        <source>ASA</source>
        <translation>平均应答</translation>
    </message>
    <message>
        <source>AHT</source>
        <translation>平均处理</translation>
    </message>
    <message>
        <source>Abandon rate</source>
        <translation>放弃率</translation>
    </message>
    <message>
        <source>Ready / busy / paused</source>
        <translation>空闲 / 忙碌 / 暂停</translation>
    </message>
    <message>
        <source>Waiting, last hour</source>
        <translation>近一小时排队</translation>
    </message>
    <message>
        <source>Service level: answered within the threshold / answered (Asterisk ServicelevelPerf)</source>
        <translation>服务水平：阈值内接通数 / 接通数（Asterisk ServicelevelPerf）</translation>
    </message>
    <message>
        <source>PBX&apos;s own figure (QueueParams): {sl}</source>
        <translation>交换机自身统计 (QueueParams)：{sl}</translation>
    </message>
    <message>
        <source>Most callers waiting per minute, last 60 minutes</source>
        <translation>近 60 分钟每分钟最多排队人数</translation>
    </message>
</context>
<context>
    <name>RecentCallsPanel</name>
    <message>
        <source>Call back</source>
        <translation>回拨</translation>
    </message>
    <message>
        <source>Calls today (%1)</source>
        <translation>今日来电（%1）</translation>
    </message>
</context>
<context>
    <name>ReloginDesk</name>
    <message>
        <source>Sign in as agent %1 to continue on this desk.</source>
        <translation>请以坐席 %1 的身份登录，才能继续使用此工作台。</translation>
    </message>
</context>
<context>
    <name>SearchBox</name>
    <message>
        <source>Search customers: name, pinyin initials, phone or order no.  (Ctrl+F)</source>
        <translation>搜索客户：姓名、拼音首字母、电话或订单号  (Ctrl+F)</translation>
    </message>
    <message>
        <source>No customer found. Name and pinyin search is ready once the first sync has built its search index; phone, customer and order numbers work now.</source>
        <translation>未找到客户。首次同步建好搜索索引后即可按姓名和拼音搜索；现在可按电话号码、客户编号和订单号查找。</translation>
    </message>
    <message>
        <source>No customer found.</source>
        <translation>未找到客户。</translation>
    </message>
</context>
<context>
    <name>SettingsDesk</name>
    <message>
        <source>A download is already running. Try again when it has finished.</source>
        <translation>正在下载数据，请等待完成后再试。</translation>
    </message>
    <message>
        <source>The cache was emptied but the download stopped: %1
It continues by itself when the CRM server answers again. Your unsent changes are kept.</source>
        <translation>本地缓存已清空，但下载中断：%1
CRM 服务器恢复响应后会自动继续。未发送的修改已保留。</translation>
    </message>
    <message>
        <source>The cache was not rebuilt: the CRM server cannot be reached (%1). Nothing was deleted; try again when the connection is back.</source>
        <translation>未重建缓存：无法连接 CRM 服务器（%1）。没有删除任何数据；请在网络恢复后重试。</translation>
    </message>
    <message>
        <source>The cache was not rebuilt: the local cache file could not be written (%1). Nothing was deleted. Check free disk space.</source>
        <translation>未重建缓存：无法写入本地缓存文件（%1）。没有删除任何数据。请检查磁盘剩余空间。</translation>
    </message>
    <message>
        <source>Rebuild cache</source>
        <translation>重建缓存</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>The CRM server address must be a full http:// or https:// address, for example https://crm.example.cn</source>
        <translation>CRM 服务器地址必须是完整的 http:// 或 https:// 地址，例如 https://crm.example.cn</translation>
    </message>
    <message>
        <source>The settings were not saved: %1</source>
        <translation>设置未保存：%1</translation>
    </message>
    <message>
        <source>unavailable</source>
        <translation>无法读取</translation>
    </message>
    <message>
        <source>not yet in this session</source>
        <translation>本次运行尚未同步</translation>
    </message>
    <message>
        <source>Rebuild the local cache?

Every customer, order and history record is deleted from this computer and downloaded again from the CRM server. Your %1 unsent change(s) and the conflict list are kept and sent afterwards. Calls pop from the server only until the download is done.</source>
        <translation>要重建本地缓存吗？

本机上的所有客户、订单和历史记录将被删除，并从 CRM 服务器重新下载。您的 %1 条未发送修改和冲突列表会保留，并在之后发送。下载完成前，来电弹屏只能从服务器查询。</translation>
    </message>
    <message>
        <source>The CRM server is not reachable right now: the rebuild will be refused and the cache left as it is.</source>
        <translation>当前无法连接 CRM 服务器：重建将被拒绝，缓存保持不变。</translation>
    </message>
    <message>
        <source>Rebuild cache</source>
        <translation>重建缓存</translation>
    </message>
    <message>
        <source>Rebuild</source>
        <translation>重建</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>CRM server address</source>
        <translation>CRM 服务器地址</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>CTI socket</source>
        <translation>CTI 接口</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Detail records kept for</source>
        <translation>详细记录保留</translation>
    </message>
    <message>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <source>A new server address, CTI socket or CTI source takes effect the next time CallDesk starts; the language changes at once.</source>
        <translation>新的服务器地址、CTI 接口或来电来源设置在下次启动 CallDesk 时生效；语言立即切换。</translation>
    </message>
    <message>
        <source>Fixed by environment variables (saving has no effect): %1</source>
        <translation>以下设置由环境变量固定（保存无效）：%1</translation>
    </message>
    <message>
        <source>Local cache</source>
        <translation>本地缓存</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Size on disk</source>
        <translation>磁盘占用</translation>
    </message>
    <message>
        <source>Customers</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>订单</translation>
    </message>
    <message>
        <source>Unsent changes</source>
        <translation>未发送的修改</translation>
    </message>
    <message>
        <source>Conflicts</source>
        <translation>冲突</translation>
    </message>
    <message>
        <source>Last sync</source>
        <translation>上次同步</translation>
    </message>
    <message>
        <source>Deletes the local copy and downloads it again. Unsent changes and conflicts are kept.</source>
        <translation>删除本地副本并重新下载。未发送的修改和冲突会保留。</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
</context>
<context>
    <name>SignOutDesk</name>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>%1 changes have not reached the CRM server yet, so the local cache cannot be deleted now. Cancel and use Sync now, then sign out again; or sign out and keep the cache on this PC until they are sent.</source>
        <translation>有 %1 项更改尚未送达 CRM 服务器，因此现在不能删除本地缓存。请取消并使用“立即同步”后再退出登录；或者退出登录并在本机保留缓存，直到这些更改发送完毕。</translation>
    </message>
    <message>
        <source>Sign out, keep the cache</source>
        <translation>退出登录并保留缓存</translation>
    </message>
</context>
<context>
    <name>StatusPanel</name>
    <message>
        <source>estimating…</source>
        <translation>正在估算剩余时间…</translation>
    </message>
    <message>
        <source>about %1 s left</source>
        <translation>约剩 %1 秒</translation>
    </message>
    <message>
        <source>about %1 min %2 s left</source>
        <translation>约剩 %1 分 %2 秒</translation>
    </message>
    <message>
        <source>Customers and phone numbers</source>
        <translation>客户与电话号码</translation>
    </message>
    <message>
        <source>Building the search index…</source>
        <translation>正在建立搜索索引…</translation>
    </message>
    <message>
        <source>Recent orders and history</source>
        <translation>近期订单与服务记录</translation>
    </message>
    <message>
        <source>Latest changes</source>
        <translation>最新变更</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>Unsent changes: %1</source>
        <translation>待上传更改：%1</translation>
    </message>
    <message>
        <source>CTI: connected</source>
        <translation>CTI：已连接</translation>
    </message>
    <message>
        <source>CTI: not connected</source>
        <translation>CTI：未连接</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Sync %1 / %2 · %3</source>
        <translation>同步 %1 / %2 · %3</translation>
    </message>
    <message>
        <source>Sync cancelled after %1 changes.</source>
        <translation>同步已取消，已完成 %1 条更改。</translation>
    </message>
    <message>
        <source>Sync complete: %1 changes in %2 s.</source>
        <translation>同步完成：%1 条更改，用时 %2 秒。</translation>
    </message>
</context>
<context>
    <name>SupervisorActionsDesk</name>
    <message>
        <source>%1: not sent, no CTI connection.</source>
        <translation>%1：未发送，没有 CTI 连接。</translation>
    </message>
    <message>
        <source>%1: sent, waiting for the PBX…</source>
        <translation>%1：已发送，等待电话交换机响应…</translation>
    </message>
    <message>
        <source>%1: done (%2)</source>
        <translation>%1：已完成（%2）</translation>
    </message>
    <message>
        <source>%1: refused: %2</source>
        <translation>%1：被拒绝：%2</translation>
    </message>
    <message>
        <source>%1: no answer from the PBX.</source>
        <translation>%1：电话交换机没有响应。</translation>
    </message>
    <message>
        <source>Listen to %1</source>
        <translation>监听 %1</translation>
    </message>
    <message>
        <source>Whisper to %1</source>
        <translation>对 %1 耳语</translation>
    </message>
    <message>
        <source>Barge in on %1</source>
        <translation>强插 %1 的通话</translation>
    </message>
    <message>
        <source>Force %1 ready</source>
        <translation>强制 %1 就绪</translation>
    </message>
    <message>
        <source>Force %1 not ready</source>
        <translation>强制 %1 未就绪</translation>
    </message>
</context>
<context>
    <name>SupervisorDesk</name>
    <message>
        <source>the CTI socket is not listening</source>
        <translation>CTI 端口未在监听</translation>
    </message>
    <message>
        <source>no CTI source connected</source>
        <translation>没有已连接的 CTI 数据源</translation>
    </message>
    <message>
        <source>PBX disconnected: %1</source>
        <translation>电话系统已断开：%1</translation>
    </message>
    <message>
        <source>%1 open tickets are overdue and escalated to you (was %2).</source>
        <translation>有 %1 张未完结工单已超时并升级给您（之前 %2 张）。</translation>
    </message>
</context>
<context>
    <name>SupervisorFormat</name>
    <message>
        <source>ALARM</source>
        <translation>告警</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>注意</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>Ringing</source>
        <translation>振铃</translation>
    </message>
    <message>
        <source>Talking</source>
        <translation>通话中</translation>
    </message>
    <message>
        <source>On hold</source>
        <translation>保持</translation>
    </message>
    <message>
        <source>Wrap-up</source>
        <translation>话后处理</translation>
    </message>
    <message>
        <source>Not ready</source>
        <translation>未就绪</translation>
    </message>
    <message>
        <source>Unavailable</source>
        <translation>不可用</translation>
    </message>
    <message>
        <source>Logged out</source>
        <translation>已签出</translation>
    </message>
    <message>
        <source>Figures are stale since {time}: no live data</source>
        <translation>数据自 {time} 起未更新：没有实时数据</translation>
    </message>
</context>
<context>
    <name>SupervisorPage</name>
    <message>
        <source>Supervisor</source>
        <translation>班长监控</translation>
    </message>
    <message>
        <source>&amp;Wallboard</source>
        <translation>大屏看板(&amp;W)</translation>
    </message>
    <message>
        <source>Export day to CSV…</source>
        <translation>导出某日数据为 CSV…</translation>
    </message>
</context>
<context>
    <name>SyncDesk</name>
    <message>
        <source>Could not sync with the CRM server; working from the local cache. (%1)</source>
        <translation>无法与 CRM 服务器同步，正在使用本地缓存工作。（%1）</translation>
    </message>
</context>
<context>
    <name>SyncDialog</name>
    <message>
        <source>Stopping… what has been downloaded is kept; the next sync resumes from here.</source>
        <translation>正在停止…已下载的数据会保留，下次同步将从此处继续。</translation>
    </message>
    <message>
        <source>Connecting to the CRM server…</source>
        <translation>正在连接 CRM 服务器…</translation>
    </message>
    <message>
        <source>%1 of %2 records downloaded</source>
        <translation>已下载 %1 / %2 条记录</translation>
    </message>
    <message>
        <source>Downloading customers</source>
        <translation>正在下载客户数据</translation>
    </message>
    <message>
        <source>Rebuilding the local cache</source>
        <translation>正在重建本地缓存</translation>
    </message>
    <message>
        <source>Preparing your customer list</source>
        <translation>正在准备您的客户列表</translation>
    </message>
    <message>
        <source>The local copy of your customers is downloaded again. Your unsent changes are kept and sent when it is done.</source>
        <translation>正在重新下载客户数据的本地副本。未发送的修改已保留，完成后会发送。</translation>
    </message>
    <message>
        <source>CallDesk keeps a local copy of your customers so calls pop instantly, even when the network is down. This first download happens once.</source>
        <translation>CallDesk 会在本机保存一份客户数据，来电即可立即弹屏，断网时也能查看。首次下载只需进行一次。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>TicketDesk</name>
    <message>
        <source>The knowledge base needs the connection to the CRM server.</source>
        <translation>知识库需要连接 CRM 服务器。</translation>
    </message>
    <message>
        <source>The contact log was not saved: %1</source>
        <translation>联系记录未保存：%1</translation>
    </message>
</context>
<context>
    <name>TicketForm</name>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>(no change)</source>
        <translation>（不变更）</translation>
    </message>
    <message>
        <source>Hand off to second line</source>
        <translation>转交二线</translation>
    </message>
    <message>
        <source>Start work</source>
        <translation>开始处理</translation>
    </message>
    <message>
        <source>Wait for customer</source>
        <translation>等待客户</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续处理</translation>
    </message>
    <message>
        <source>Resolve</source>
        <translation>解决</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Reopen</source>
        <translation>重新打开</translation>
    </message>
    <message>
        <source>Complaint: acknowledge</source>
        <translation>投诉：受理</translation>
    </message>
    <message>
        <source>Complaint: investigate</source>
        <translation>投诉：调查</translation>
    </message>
    <message>
        <source>Complaint: resolve</source>
        <translation>投诉：处理</translation>
    </message>
    <message>
        <source>Complaint: call back</source>
        <translation>投诉：回访</translation>
    </message>
    <message>
        <source>Complaint: satisfaction check</source>
        <translation>投诉：满意度调查</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>已创建</translation>
    </message>
    <message>
        <source>Escalated to supervisor</source>
        <translation>已升级至主管</translation>
    </message>
    <message>
        <source>Link a customer first.</source>
        <translation>请先关联客户。</translation>
    </message>
    <message>
        <source>Choose a category.</source>
        <translation>请选择类别。</translation>
    </message>
    <message>
        <source>Choose a priority.</source>
        <translation>请选择优先级。</translation>
    </message>
    <message>
        <source>Describe the problem.</source>
        <translation>请填写问题描述。</translation>
    </message>
    <message>
        <source>Choose a service mode.</source>
        <translation>请选择服务方式。</translation>
    </message>
    <message>
        <source>A fault ticket needs the product model.</source>
        <translation>故障工单须填写产品型号。</translation>
    </message>
    <message>
        <source>Choose the group to hand off to.</source>
        <translation>请选择转交的处理组。</translation>
    </message>
    <message>
        <source>A comment is at most 2000 characters.</source>
        <translation>评论最多 2000 个字符。</translation>
    </message>
    <message>
        <source>Write the comment first.</source>
        <translation>请先填写评论内容。</translation>
    </message>
    <message>
        <source>Required.</source>
        <translation>必填。</translation>
    </message>
    <message>
        <source>The purchase date is in the future.</source>
        <translation>购买日期不能晚于今天。</translation>
    </message>
    <message>
        <source>Too long.</source>
        <translation>内容过长。</translation>
    </message>
    <message>
        <source>Write the date as YYYY-MM-DD.</source>
        <translation>日期格式为 YYYY-MM-DD。</translation>
    </message>
    <message>
        <source>Not a valid value.</source>
        <translation>取值无效。</translation>
    </message>
    <message>
        <source>Ticket %1</source>
        <translation>工单 %1</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>通话</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>Product model</source>
        <translation>产品型号</translation>
    </message>
    <message>
        <source>Serial number</source>
        <translation>序列号</translation>
    </message>
    <message>
        <source>Purchase date</source>
        <translation>购买日期</translation>
    </message>
    <message>
        <source>Warranty</source>
        <translation>保修状态</translation>
    </message>
    <message>
        <source>Fault description</source>
        <translation>问题描述</translation>
    </message>
    <message>
        <source>Service mode</source>
        <translation>服务方式</translation>
    </message>
    <message>
        <source>Assignee group</source>
        <translation>处理组</translation>
    </message>
    <message>
        <source>Assignee agent</source>
        <translation>处理人</translation>
    </message>
    <message>
        <source>Hand-off SLA</source>
        <translation>转交时限</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Next step</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>What happens, since when, what was tried</source>
        <translation>现象、开始时间、已尝试的处理</translation>
    </message>
    <message>
        <source>Optional note for the history</source>
        <translation>写入处理记录的备注（可选）</translation>
    </message>
    <message>
        <source>History</source>
        <translation>处理记录</translation>
    </message>
    <message>
        <source>Comments</source>
        <translation>工单评论</translation>
    </message>
    <message>
        <source>Add a comment (saved with the ticket)</source>
        <translation>添加评论（随工单一起保存）</translation>
    </message>
    <message>
        <source>Add comment</source>
        <translation>添加评论</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>附件</translation>
    </message>
    <message>
        <source>Attach files…</source>
        <translation>添加附件…</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Linked articles: %1</source>
        <translation>关联知识：%1</translation>
    </message>
    <message>
        <source>Unknown (no purchase date)</source>
        <translation>未知（无购买日期）</translation>
    </message>
    <message>
        <source>In warranty until %1</source>
        <translation>在保，至 %1</translation>
    </message>
    <message>
        <source>Out of warranty since %1</source>
        <translation>已过保（%1 到期）</translation>
    </message>
    <message>
        <source>Handed off in time</source>
        <translation>已按时转交</translation>
    </message>
    <message>
        <source>OVERDUE by %1 — escalated to supervisor</source>
        <translation>已超时 %1 — 已升级至主管</translation>
    </message>
    <message>
        <source>%1 left to hand off</source>
        <translation>距转交时限还剩 %1</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>添加附件</translation>
    </message>
    <message>
        <source>%1 is larger than %2 MB and was not attached.</source>
        <translation>%1 超过 %2 MB，未添加。</translation>
    </message>
    <message>
        <source>%1 could not be read (missing or locked) and was not attached.</source>
        <translation>%1 无法读取（文件不存在或被占用），未添加。</translation>
    </message>
    <message>
        <source>%1 cannot be attached.</source>
        <translation>%1 无法添加为附件。</translation>
    </message>
    <message>
        <source>%1 was not attached: %2</source>
        <translation>%1 未添加为附件：%2</translation>
    </message>
    <message>
        <source>%1 is not on this computer and the server cannot be reached. Try again later.</source>
        <translation>%1 不在本机，且无法连接服务器。请稍后再试。</translation>
    </message>
    <message>
        <source>%1 has not been uploaded to the server yet.</source>
        <translation>%1 尚未上传到服务器。</translation>
    </message>
    <message>
        <source>%1 was damaged on the way (checksum mismatch) and was not saved.</source>
        <translation>%1 在传输中损坏（校验和不符），未保存。</translation>
    </message>
    <message>
        <source>%1 could not be opened.</source>
        <translation>无法打开 %1。</translation>
    </message>
    <message>
        <source>The ticket was not saved: %1</source>
        <translation>工单未保存：%1</translation>
    </message>
</context>
<context>
    <name>TicketLabels</name>
    <message>
        <source>Consultation</source>
        <translation>咨询</translation>
    </message>
    <message>
        <source>Fault / repair</source>
        <translation>故障/维修</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Return / exchange</source>
        <translation>退换货</translation>
    </message>
    <message>
        <source>Suggestion</source>
        <translation>建议</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>低</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>普通</translation>
    </message>
    <message>
        <source>High</source>
        <translation>高</translation>
    </message>
    <message>
        <source>Urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <source>Resolved by phone</source>
        <translation>电话解决</translation>
    </message>
    <message>
        <source>On-site repair</source>
        <translation>上门维修</translation>
    </message>
    <message>
        <source>Carry-in</source>
        <translation>送修</translation>
    </message>
    <message>
        <source>Mail-in</source>
        <translation>寄修</translation>
    </message>
    <message>
        <source>Paid service</source>
        <translation>付费服务</translation>
    </message>
    <message>
        <source>Second line (hotline engineers)</source>
        <translation>二线（热线工程师）</translation>
    </message>
    <message>
        <source>Complaints desk</source>
        <translation>投诉专员组</translation>
    </message>
    <message>
        <source>Field service</source>
        <translation>上门服务组</translation>
    </message>
    <message>
        <source>Returns desk</source>
        <translation>退换货组</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <source>Assigned</source>
        <translation>已分派</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>处理中</translation>
    </message>
    <message>
        <source>Waiting for customer</source>
        <translation>等待客户</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>已解决</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>Recorded</source>
        <translation>已记录</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>已受理</translation>
    </message>
    <message>
        <source>Investigating</source>
        <translation>调查中</translation>
    </message>
    <message>
        <source>Called back</source>
        <translation>已回访</translation>
    </message>
    <message>
        <source>Satisfaction checked</source>
        <translation>已做满意度调查</translation>
    </message>
</context>
<context>
    <name>TransferTargetPicker</name>
    <message>
        <source>Agent %1 (%2) · %3</source>
        <translation>坐席 %1（%2）· %3</translation>
    </message>
    <message>
        <source>Queue %1</source>
        <translation>队列 %1</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>Call %1</source>
        <translation>拨打 %1</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>not ready</source>
        <translation>未就绪</translation>
    </message>
    <message>
        <source>on a call</source>
        <translation>通话中</translation>
    </message>
    <message>
        <source>wrap-up</source>
        <translation>话后整理</translation>
    </message>
    <message>
        <source>logged out</source>
        <translation>已签出</translation>
    </message>
    <message>
        <source>state unknown</source>
        <translation>状态未知</translation>
    </message>
    <message>
        <source>Transfer to</source>
        <translation>转接至</translation>
    </message>
    <message>
        <source>Name, extension, queue or number</source>
        <translation>姓名、分机、队列或号码</translation>
    </message>
</context>
<context>
    <name>UpdateBanner</name>
    <message>
        <source>CallDesk %1 is required (this desktop has %2). Finish your current call, then ask IT to install it or install it from the link.</source>
        <translation>必须升级到 CallDesk %1（本机为 %2）。请先结束当前通话，再联系 IT 安装，或通过链接自行安装。</translation>
    </message>
    <message>
        <source>CallDesk %1 is available (this desktop has %2).</source>
        <translation>CallDesk %1 已发布（本机为 %2）。</translation>
    </message>
    <message>
        <source>Get it</source>
        <translation>获取</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>Vocabulary</name>
    <message>
        <source>High-end</source>
        <translation>高端</translation>
    </message>
    <message>
        <source>Important</source>
        <translation>重要</translation>
    </message>
    <message>
        <source>Ordinary</source>
        <translation>普通</translation>
    </message>
    <message>
        <source>Small</source>
        <translation>小客户</translation>
    </message>
    <message>
        <source>Awaiting payment</source>
        <translation>待付款</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>已付款</translation>
    </message>
    <message>
        <source>Shipped</source>
        <translation>已发货</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>已退款</translation>
    </message>
    <message>
        <source>Earned</source>
        <translation>获得</translation>
    </message>
    <message>
        <source>Redeemed</source>
        <translation>兑换</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>过期</translation>
    </message>
    <message>
        <source>Ticket</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>咨询</translation>
    </message>
    <message>
        <source>Repair</source>
        <translation>维修</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>待处理</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>处理中</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>已解决</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Online chat</source>
        <translation>在线客服</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>邮件</translation>
    </message>
    <message>
        <source>SMS</source>
        <translation>短信</translation>
    </message>
    <message>
        <source>App push</source>
        <translation>App 推送</translation>
    </message>
    <message>
        <source>Outbound call</source>
        <translation>外呼</translation>
    </message>
    <message>
        <source>No response</source>
        <translation>未响应</translation>
    </message>
    <message>
        <source>Opened</source>
        <translation>已查看</translation>
    </message>
    <message>
        <source>Clicked</source>
        <translation>已点击</translation>
    </message>
    <message>
        <source>Purchased</source>
        <translation>已购买</translation>
    </message>
    <message>
        <source>Unsubscribed</source>
        <translation>已退订</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>已结束</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>已接听</translation>
    </message>
    <message>
        <source>Missed</source>
        <translation>未接</translation>
    </message>
    <message>
        <source>Abandoned</source>
        <translation>客户放弃</translation>
    </message>
    <message>
        <source>Transferred</source>
        <translation>已转接</translation>
    </message>
    <message>
        <source>Ticket created</source>
        <translation>已建工单</translation>
    </message>
    <message>
        <source>Call back needed</source>
        <translation>需要回电</translation>
    </message>
    <message>
        <source>Information only</source>
        <translation>仅咨询</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Wrong number</source>
        <translation>打错电话</translation>
    </message>
    <message>
        <source>Call dropped</source>
        <translation>通话中断</translation>
    </message>
    <message>
        <source>Unknown caller</source>
        <translation>未知来电</translation>
    </message>
    <message>
        <source>Contact log</source>
        <translation>联络记录</translation>
    </message>
</context>
<context>
    <name>Wallboard</name>
    <message>
        <source>CallDesk wallboard</source>
        <translation>CallDesk 大屏</translation>
    </message>
    <message>
        <source>Calls waiting</source>
        <translation>排队来电</translation>
    </message>
    <message>
        <source>Longest wait</source>
        <translation>最长等待</translation>
    </message>
    <message>
        <source>Service level (SL)</source>
        <translation>服务水平 (SL)</translation>
    </message>
    <message>
        <source>Average speed of answer</source>
        <translation>平均应答时长</translation>
    </message>
    <message>
        <source>Abandon rate</source>
        <translation>放弃率</translation>
    </message>
    <message>
        <source>Agents ready</source>
        <translation>空闲坐席</translation>
    </message>
    <message>
        <source>Calls per 15 minutes</source>
        <translation>每 15 分钟来电量</translation>
    </message>
    <message>
        <source>Service level per 15 minutes (%)</source>
        <translation>每 15 分钟服务水平 (%)</translation>
    </message>
    <message>
        <source>No queue data yet</source>
        <translation>暂无队列数据</translation>
    </message>
    <message>
        <source>{queue}  ({n} of {m})</source>
        <translation>{queue}（{n}/{m}）</translation>
    </message>
    <message>
        <source>Offered</source>
        <translation>呼入量</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>接通</translation>
    </message>
</context>
<context>
    <name>WorkSettingsGroup</name>
    <message>
        <source>Calls</source>
        <translation>通话</translation>
    </message>
    <message>
        <source>Default phone region</source>
        <translation>默认号码地区</translation>
    </message>
    <message>
        <source>Not-ready reasons</source>
        <translation>示忙原因</translation>
    </message>
    <message>
        <source>Wrap-up time</source>
        <translation>话后处理时长</translation>
    </message>
    <message>
        <source>Wrap-up per queue</source>
        <translation>各队列话后处理时长</translation>
    </message>
    <message>
        <source>Numbers without a country code are read as numbers of this region (CN: +86).</source>
        <translation>不带国家代码的号码按此地区解析（CN：+86）。</translation>
    </message>
    <message>
        <source>codes separated by commas, e.g. break, lunch</source>
        <translation>用逗号分隔的代码，例如 break, lunch</translation>
    </message>
    <message>
        <source>Lower-case codes; sent to the phone system as the pause reason. acw is added for wrap-up.</source>
        <translation>小写代码；作为示忙原因发送给电话系统。话后处理会自动加上 acw。</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>queue=seconds, e.g. vip=60, support=45</source>
        <translation>队列=秒数，例如 vip=60, support=45</translation>
    </message>
</context>
<context>
    <name>WrapUpDialog</name>
    <message>
        <source>(choose)</source>
        <translation>（请选择）</translation>
    </message>
    <message>
        <source>Resolved on the call</source>
        <translation>通话中已解决</translation>
    </message>
    <message>
        <source>Ticket created</source>
        <translation>已建工单</translation>
    </message>
    <message>
        <source>Call back needed</source>
        <translation>需回电</translation>
    </message>
    <message>
        <source>Transferred</source>
        <translation>已转接</translation>
    </message>
    <message>
        <source>Information only</source>
        <translation>仅咨询</translation>
    </message>
    <message>
        <source>Complaint recorded</source>
        <translation>已记录投诉</translation>
    </message>
    <message>
        <source>Wrong number</source>
        <translation>打错电话</translation>
    </message>
    <message>
        <source>Call dropped</source>
        <translation>通话中断</translation>
    </message>
    <message>
        <source>Choose a disposition code.</source>
        <translation>请选择小结代码。</translation>
    </message>
    <message>
        <source>Satisfaction is 1 to 5.</source>
        <translation>满意度为 1 到 5。</translation>
    </message>
    <message>
        <source>Notes are too long.</source>
        <translation>备注过长。</translation>
    </message>
    <message>
        <source>The call ended before it started.</source>
        <translation>通话结束时间早于开始时间。</translation>
    </message>
    <message>
        <source>Not a valid value.</source>
        <translation>取值无效。</translation>
    </message>
    <message>
        <source>Wrap-up</source>
        <translation>话后小结</translation>
    </message>
    <message>
        <source>Call ended — log the contact</source>
        <translation>通话已结束 — 请填写联络记录</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>呼叫方向</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>结束时间</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>通话时长</translation>
    </message>
    <message>
        <source>Disposition</source>
        <translation>小结代码</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Linked ticket</source>
        <translation>关联工单</translation>
    </message>
    <message>
        <source>Satisfaction (1-5)</source>
        <translation>满意度（1-5）</translation>
    </message>
    <message>
        <source>Inbound</source>
        <translation>呼入</translation>
    </message>
    <message>
        <source>Outbound</source>
        <translation>呼出</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Online chat</source>
        <translation>在线客服</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>(no survey)</source>
        <translation>（未做调查）</translation>
    </message>
    <message>
        <source>What the customer wanted and what was done</source>
        <translation>客户诉求及处理情况</translation>
    </message>
    <message>
        <source>Save contact</source>
        <translation>保存联络记录</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <source>Save the contact before you go ready for the next call.</source>
        <translation>请先保存联络记录，再置为就绪接听下一个电话。</translation>
    </message>
</context>
<context>
    <name>WrapupPanel</name>
    <message>
        <source>After-call work</source>
        <translation>话后处理</translation>
    </message>
    <message>
        <source>Extend +%1 s</source>
        <translation>延长 +%1 秒</translation>
    </message>
    <message>
        <source>End early</source>
        <translation>提前结束</translation>
    </message>
    <message>
        <source>More time for the contact log before the next call</source>
        <translation>在下一通电话前为联系记录争取更多时间</translation>
    </message>
    <message>
        <source>Finish wrap-up now and go Ready</source>
        <translation>立即结束话后整理并置为就绪</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <source>Time is up: save the contact log to go Ready.</source>
        <translation>时间到：请保存联系记录后再置为就绪。</translation>
    </message>
    <message>
        <source>Wrap-up finished.</source>
        <translation>话后整理已结束。</translation>
    </message>
    <message>
        <source>You are paused at the PBX; no call rings until wrap-up ends.</source>
        <translation>您已在交换机上暂停；话后整理结束前不会有来电振铃。</translation>
    </message>
</context>
</TS>
