import { useEffect, useRef, useState } from 'react';
import { View, Button } from '@tarojs/components';
import wxs from 'wx-subscribe';

const TEMPLATES = [{ id: 'T1', title: '订单发货提醒' }, { id: 'T2', title: '退款成功通知' }];

export default function Index() {
  const subs = useRef(wxs.subscriber({ templates: TEMPLATES }));
  const [left, setLeft] = useState(0);
  const [message, setMessage] = useState('');
  useEffect(() => {
    subs.current.refresh().then((plan) => setLeft(plan.counts.ask + plan.counts.topUp), (e) => setMessage(wxs.userMessage(e)));
  }, []);
  const onSubscribe = wxs.tap(() => {
    subs.current.request().then((r) => { setLeft(r.left); setMessage(r.asked ? '已订阅 ' + r.outcome.accepted.length + ' 个' : ''); },
      (e) => setMessage(wxs.userMessage(e)));
  });
  return (
    <View>
      <Button onClick={onSubscribe}>订阅（还剩 {left} 个）</Button>
      <View>{message}</View>
    </View>
  );
}
